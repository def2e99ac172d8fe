// The connection: opening with the right flags and pragmas, a per-connection cache of
// prepared statements, write transactions, and translation of SQLite errors into
// ledger::Error with the extended SQLite code kept.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ledger/error.h"
#include "ledger/types.h"

namespace ledger::detail {

// The last journal row: its sequence and hash, which the next row chains from.
struct JournalTail {
  std::int64_t sequence = 0;
  std::array<std::uint8_t, 32> hash{};  // a Digest
};

// Rows read inside the current write transaction, kept so that a batch of 1000 transfers
// between the same few accounts does not re-read them 2000 times, nor rewrite them 2000
// times: a cached account's new balance is written once, when the transaction commits.
// Sound only because the connection holds the write lock (BEGIN IMMEDIATE): nobody else can
// change these rows until COMMIT. Every read and write of a cached row inside the
// transaction goes through the cache (find_account_for_update, set_balance, set_pending,
// append_journal); balances are flushed before COMMIT and before a SAVEPOINT, and the cache
// is dropped whenever a transaction begins or ends and when a savepoint is rolled back.
struct TransactionCache {
  std::unordered_map<std::string, Account> accounts_by_code;
  std::vector<std::int64_t> unwritten_balances;  // ids of accounts whose balance is ahead
  // At namespace scope, not nested: clang refuses to default-construct a nested struct with
  // member initializers inside std::optional before the enclosing class is complete.
  std::optional<JournalTail> journal_tail;

  Account* account_by_id(std::int64_t id) {
    for (auto& entry : accounts_by_code) {
      if (entry.second.id == id) return &entry.second;
    }
    return nullptr;
  }
  void clear() {
    accounts_by_code.clear();
    unwritten_balances.clear();
    journal_tail.reset();
  }
};

class Db {
 public:
  // Opens `path` read-write, or with SQLITE_OPEN_READONLY if `read_only` (never creates:
  // the caller creates the file with mode 0600).
  Db(const std::string& path, int busy_timeout_ms, bool read_only);

  SQLite::Database& sql() { return database_; }
  sqlite3* handle() const { return database_.getHandle(); }

  // The prepared statement for `sql`, reset and with bindings cleared. Statements are
  // prepared once per connection: `sql` must be a string literal (its address is the key).
  SQLite::Statement& statement(const char* sql);

  void exec(const char* sql) { database_.exec(sql); }

  // Valid only inside a WriteTransaction (see TransactionCache).
  TransactionCache& cache() { return cache_; }
  // Writes the cached balances that are ahead of the table.
  void flush_cache();

  // Resets the statements handed out since the last call and clears their bindings (which
  // point into the caller's strings). A statement left mid-result keeps a read transaction
  // open, which would pin an old snapshot (stale reads, SQLITE_BUSY_SNAPSHOT on the next
  // write) and block checkpoints; so every public call ends with this.
  void reset_statements() noexcept;

 private:
  SQLite::Database database_;
  int busy_timeout_ms_;  // read by the busy handler; lives as long as the connection
  TransactionCache cache_;
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> statements_;
  // Handed out since the last reset_statements: only these can be mid-result. (Resetting
  // all ~40 cached statements after every call cost a replay about 10% of its time.)
  std::vector<SQLite::Statement*> used_statements_;
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

// The problems PRAGMA integrity_check reports (at most `limit`), none if the b-trees are
// sound. A page it could not read is an I/O error, not damage: that throws ErrorCode::io
// naming `what`, whether the line carries the read's error code or not (an unreadable
// freelist page reads as "Page N is never used"; real damage reads the same twice, so a
// result that differs on a second reading is an I/O error too).
std::vector<std::string> integrity_problems(Db& db, std::string_view what, int limit);

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
