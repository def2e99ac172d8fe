// The connection the engine runs on: opened by the engine (Ledger::open) or borrowed from
// the embedding app (Ledger::attach); a per-connection cache of prepared statements; and
// transactions that nest inside one the app already has open.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "statement.h"

struct sqlite3;

namespace ledger::detail {

class Db {
 public:
  // Opens `path` read-write, or with SQLITE_OPEN_READONLY if `read_only` (never creates:
  // the caller creates the file with mode 0600), with a busy handler that waits up to
  // `busy_timeout_ms`.
  Db(const std::string& path, int busy_timeout_ms, bool read_only);
  // Runs on `borrowed`, which stays the app's: its busy handler and settings are left as
  // they are, and it is not closed here.
  explicit Db(sqlite3* borrowed);
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  [[nodiscard]] sqlite3* handle() const { return connection_; }
  [[nodiscard]] bool borrowed() const { return !owned_; }
  // True while a transaction is open on the connection (the app's or ours).
  [[nodiscard]] bool in_transaction() const;

  // The prepared statement for `sql`, reset and with bindings cleared. Statements are
  // prepared once per connection: `sql` must be a string literal (its address is the key).
  Statement& statement(const char* sql);

  // Runs one or more statements that return no rows.
  void exec(const char* sql);
  void exec(const std::string& sql) { exec(sql.c_str()); }

  // Resets the statements handed out since the last call and clears their bindings (which
  // point into the caller's strings). A statement left mid-result keeps a read transaction
  // open, which would pin an old snapshot (stale reads, SQLITE_BUSY_SNAPSHOT on the next
  // write) and block checkpoints; so every public call ends with this.
  void reset_statements() noexcept;

 private:
  sqlite3* connection_ = nullptr;
  bool owned_ = false;
  int busy_timeout_ms_ = 0;  // read by the busy handler; lives as long as the connection
  std::unordered_map<const char*, std::unique_ptr<Statement>> statements_;
  // Handed out since the last reset_statements: only these can be mid-result (resetting
  // every cached statement after each call would cost a replay noticeably).
  std::vector<Statement*> used_statements_;
};

// A write transaction. On a connection with no transaction open it is BEGIN IMMEDIATE,
// which takes the write lock up front (waiting up to the busy timeout) so that the
// read-check-write sequence inside can never be invalidated by another writer. Inside a
// transaction the app opened it is a SAVEPOINT: committing releases it into the app's
// transaction, which the app commits or rolls back. Rolls back unless commit() succeeded;
// the destructor never throws.
class Transaction {
 public:
  explicit Transaction(Db& db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();
  // True if this is a savepoint inside the app's transaction.
  [[nodiscard]] bool nested() const { return nested_; }

 private:
  Db& db_;
  bool nested_;
  bool open_ = true;
};

// Binds without copying. Both must outlive the statement's next step.
inline void bind_text(Statement& statement, int index, const std::string& text) {
  statement.bindNoCopy(index, text);
}
inline void bind_blob(Statement& statement, int index, std::string_view bytes) {
  statement.bindNoCopy(index, static_cast<const void*>(bytes.data()), static_cast<int>(bytes.size()));
}

}  // namespace ledger::detail
