#include "connection_settings.h"

#include <sqlite3.h>
#include <unistd.h>

#include <string>

#include "statement.h"

namespace ledger::detail {
namespace {

void exec(sqlite3* connection, const char* sql) {
  const int code = sqlite3_exec(connection, sql, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) throw SQLite::Exception(connection, code);
}

}  // namespace

void switch_to_wal(sqlite3* connection, int busy_timeout_ms) {
  for (int waited_ms = 0;; ++waited_ms) {
    try {
      Statement mode(connection, "PRAGMA journal_mode = WAL");
      if (mode.executeStep() && mode.getColumn(0).getString() == "wal") return;
      throw Error(ErrorCode::io, "cannot switch the database to WAL mode (is the directory "
                                 "writable, and the file system local?)");
    } catch (const SQLite::Exception& e) {
      if (e.getErrorCode() != SQLITE_BUSY || waited_ms >= busy_timeout_ms) throw;
    }
    ::usleep(1000);
  }
}

void apply_pragmas(sqlite3* connection, Durability durability) {
  exec(connection, durability == Durability::full ? "PRAGMA synchronous = FULL"
                                                  : "PRAGMA synchronous = NORMAL");
  exec(connection, "PRAGMA foreign_keys = ON");
  exec(connection, "PRAGMA temp_store = MEMORY");
  // A bounded page cache (32 MiB) keeps memory flat as the ledger grows.
  exec(connection, "PRAGMA cache_size = -32768");
  // Keeps the WAL from growing without bound after a burst.
  exec(connection, "PRAGMA journal_size_limit = 67108864");
  // A checkpoint copies every distinct page the WAL holds into the database and syncs it;
  // a transfer writes about four pages, one a random page of the key index. Checkpointing
  // every 8000 pages (32 MiB) instead of SQLite's 1000 copies those hot pages eight times
  // less often. The WAL file stays near 32 MiB.
  exec(connection, "PRAGMA wal_autocheckpoint = 8000");
}

}  // namespace ledger::detail
