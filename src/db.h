// The connection: opening with the right flags and pragmas, a per-connection cache of
// prepared statements, write transactions, and translation of SQLite errors into
// ledger::Error with the extended SQLite code kept.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ledger/error.h"

namespace ledger::detail {

class Db {
 public:
  // Opens `path` read-write (never creates: the caller creates the file with mode 0600).
  Db(const std::string& path, int busy_timeout_ms);

  SQLite::Database& sql() { return database_; }
  sqlite3* handle() const { return database_.getHandle(); }

  // The prepared statement for `sql`, reset and with bindings cleared. Statements are
  // prepared once per connection: `sql` must be a string literal (its address is the key).
  SQLite::Statement& statement(const char* sql);

  void exec(const char* sql) { database_.exec(sql); }

  // Resets every cached statement. A statement left mid-result keeps a read transaction
  // open, which would pin an old snapshot (stale reads, SQLITE_BUSY_SNAPSHOT on the next
  // write) and block checkpoints; so every public call ends with this.
  void reset_statements() noexcept {
    for (auto& entry : statements_) entry.second->tryReset();
  }

 private:
  SQLite::Database database_;
  int busy_timeout_ms_;  // read by the busy handler; lives as long as the connection
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> statements_;
};

// A BEGIN IMMEDIATE transaction: takes the write lock up front (waiting up to the busy
// timeout) so that the read-check-write sequence inside can never be invalidated by
// another writer. Rolls back unless commit() succeeded; the destructor never throws.
class WriteTransaction {
 public:
  explicit WriteTransaction(Db& db);
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  ~WriteTransaction();
  void commit();

 private:
  Db& db_;
  bool open_ = true;
};

// Binds without copying. SQLiteCpp binds string_view-like (pointer, size) data as a BLOB,
// so text is bound from std::string; both must outlive the statement's next step.
inline void bind_text(SQLite::Statement& statement, int index, const std::string& text) {
  statement.bindNoCopy(index, text);
}
inline void bind_blob(SQLite::Statement& statement, int index, std::string_view bytes) {
  statement.bindNoCopy(index, static_cast<const void*>(bytes.data()), static_cast<int>(bytes.size()));
}

// Translates a SQLite exception raised while doing `what` into a ledger::Error whose code
// tells the caller what to do (busy/io: retry; corrupt/not_a_ledger: restore a backup).
[[noreturn]] void throw_translated(const SQLite::Exception& e, std::string_view what);

// Runs `body`, translating SQLite exceptions, and resets the connection's statements
// afterwards (success or not). Use at every public entry point.
template <typename Body>
auto guarded(Db& db, std::string_view what, Body&& body) -> decltype(body()) {
  struct ResetOnExit {
    Db& db;
    ~ResetOnExit() { db.reset_statements(); }
  } reset{db};
  try {
    return body();
  } catch (const SQLite::Exception& e) {
    throw_translated(e, what);
  }
}

}  // namespace ledger::detail
