#include "replay_query.h"

#include <fmt/format.h>

#include <stdexcept>

#include "bare.h"

namespace bench {
namespace {

// The engine's replay read, word for word: keep it in step with find_completed_key in
// src/keys.cpp.
constexpr const char* kReplayQuery =
    "SELECT response, COALESCE(transfer_seq, result) FROM idempotency_keys "
    "WHERE principal = ?1 AND idem_key = ?2 AND fingerprint = ?3";

std::string column_bytes(sqlite3_stmt* stmt, int column) {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, column));
  return std::string(data ? data : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)));
}

}  // namespace

EngineReplayQuery::EngineReplayQuery(const std::string& path, ledger::Durability durability,
                                     KeyGen& keys)
    : db_(open_with_engine_pragmas(path, SQLITE_OPEN_READWRITE, durability, 5000,
                                   "replay query")) {
  // The constructor may throw after opening: the destructor would not run.
  auto fail = [&](const char* what) {
    std::string message = fmt::format("replay query: {}: {}", what, sqlite3_errmsg(db_));
    sqlite3_close(db_);
    throw std::runtime_error(message);
  };
  sqlite3_stmt* all = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT principal, idem_key, fingerprint FROM idempotency_keys "
                         "WHERE fingerprint IS NOT NULL",
                         -1, &all, nullptr) != SQLITE_OK) {
    fail("reading the keys");
  }
  std::vector<Row> rows;
  while (sqlite3_step(all) == SQLITE_ROW) {
    rows.push_back(Row{column_bytes(all, 0), column_bytes(all, 1),
                       sqlite3_column_type(all, 1) == SQLITE_TEXT, column_bytes(all, 2)});
  }
  sqlite3_finalize(all);
  rows_ = shuffled_copy(rows, keys);  // as the scenario's other two sides walk theirs
  if (sqlite3_prepare_v3(db_, kReplayQuery, -1, SQLITE_PREPARE_PERSISTENT, &replay_, nullptr) !=
      SQLITE_OK) {
    fail("preparing the replay query");
  }
}

EngineReplayQuery::~EngineReplayQuery() {
  sqlite3_finalize(replay_);
  sqlite3_close(db_);
}

bool EngineReplayQuery::lookup(std::size_t at, std::string& body) {
  const Row& row = rows_[at];
  sqlite3_bind_text(replay_, 1, row.principal.data(), static_cast<int>(row.principal.size()),
                    SQLITE_STATIC);
  // Bound as stored: SQLite never finds a TEXT key equal to a BLOB.
  if (row.key_is_text) {
    sqlite3_bind_text(replay_, 2, row.key.data(), static_cast<int>(row.key.size()), SQLITE_STATIC);
  } else {
    sqlite3_bind_blob(replay_, 2, row.key.data(), static_cast<int>(row.key.size()), SQLITE_STATIC);
  }
  sqlite3_bind_blob(replay_, 3, row.fingerprint.data(), static_cast<int>(row.fingerprint.size()),
                    SQLITE_STATIC);
  const int rc = sqlite3_step(replay_);
  const bool found = rc == SQLITE_ROW;
  if (found) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(replay_, 0));
    body.assign(text, static_cast<std::size_t>(sqlite3_column_bytes(replay_, 0)));
    (void)sqlite3_column_int64(replay_, 1);  // read, as the engine reads it
  }
  sqlite3_reset(replay_);
  if (!found && rc != SQLITE_DONE) {
    throw std::runtime_error(fmt::format("replay query: {}", sqlite3_errmsg(db_)));
  }
  return found;
}

}  // namespace bench
