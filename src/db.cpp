#include "db.h"

#include <fmt/format.h>
#include <sqlite3.h>

namespace ledger::detail {

Db::Db(const std::string& path, int busy_timeout_ms)
    : database_(path, SQLite::OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, busy_timeout_ms) {}

SQLite::Statement& Db::statement(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    it = statements_.emplace(sql, std::make_unique<SQLite::Statement>(database_, sql)).first;
  } else {
    // tryReset: a previous failed step (e.g. busy) must not be re-reported here.
    it->second->tryReset();
    it->second->clearBindings();
  }
  return *it->second;
}

WriteTransaction::WriteTransaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

WriteTransaction::~WriteTransaction() {
  if (!open_) return;
  // sqlite3_exec directly: ROLLBACK can fail only if no transaction is active any more
  // (SQLite already rolled back after an I/O error), which is the state we want anyway.
  sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void WriteTransaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

void throw_translated(const SQLite::Exception& e, std::string_view what) {
  constexpr std::string_view kRetry =
      "retry with the same key (a call without a key: just retry)";
  int extended = e.getExtendedErrorCode();
  switch (e.getErrorCode()) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      if (extended == SQLITE_BUSY_SNAPSHOT) {
        throw Error(ErrorCode::busy,
                    fmt::format("{}: another connection wrote since this one started reading; "
                                "nothing was stored; {}",
                                what, kRetry),
                    extended);
      }
      throw Error(ErrorCode::busy,
                  fmt::format("{}: the database is busy (another writer held it past the busy "
                              "timeout); nothing was stored; {}",
                              what, kRetry),
                  extended);
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
      throw Error(ErrorCode::io,
                  fmt::format("{}: I/O error ({}); nothing was stored; fix the cause (disk "
                              "full? device error?), then {}",
                              what, e.what(), kRetry),
                  extended);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      throw Error(ErrorCode::io,
                  fmt::format("{}: the database cannot be written ({}); check the file's and "
                              "its directory's permissions",
                              what, e.what()),
                  extended);
    case SQLITE_NOTADB:
      throw Error(ErrorCode::not_a_ledger,
                  fmt::format("{}: the file is not a SQLite database, so not a ledger; point "
                              "at the right file or create one with `ledgerctl init`",
                              what),
                  extended);
    case SQLITE_CORRUPT:
      throw Error(ErrorCode::corrupt,
                  fmt::format("{}: the database file is corrupt ({}); restore it from a backup",
                              what, e.what()),
                  extended);
    case SQLITE_CANTOPEN:
      throw Error(ErrorCode::io,
                  fmt::format("{}: the database or its -wal/-shm file cannot be opened ({}); "
                              "check that the directory is writable and not on a read-only "
                              "file system",
                              what, e.what()),
                  extended);
    default:
      throw Error(ErrorCode::internal,
                  fmt::format("{}: unexpected database error: {} (extended code {}); please "
                              "report this",
                              what, e.what(), extended),
                  extended);
  }
}

}  // namespace ledger::detail
