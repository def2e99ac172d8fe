// Helpers of the attach tests (attach_test.cpp, attach_contract_test.cpp): the app's own
// sqlite3 connection as a POS app opens it, a shop (its `sales` table and the ledger
// attached), and what the file holds, read through connections of its own.
#pragma once

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <functional>
#include <map>
#include <string>

#include "test_support.h"

namespace ledger::testing {

// The app's own connection, as a POS app would open it.
class AppDb {
 public:
  explicit AppDb(const std::string& path) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode = WAL");
    exec("PRAGMA synchronous = FULL");
  }
  ~AppDb() {
    if (db_ != nullptr) sqlite3_close(db_);
  }
  AppDb(const AppDb&) = delete;
  AppDb& operator=(const AppDb&) = delete;

  [[nodiscard]] sqlite3* handle() const { return db_; }
  [[nodiscard]] bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

  void exec(const char* sql) {
    const int code = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    INFO(sql, ": ", sqlite3_errmsg(db_));
    REQUIRE(code == SQLITE_OK);
  }
  void create_sales() {
    exec("CREATE TABLE sales (id INTEGER PRIMARY KEY, key TEXT UNIQUE, amount INTEGER)");
  }
  void insert_sale(const std::string& key, std::int64_t amount) {
    sqlite3_stmt* insert = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, "INSERT INTO sales (key, amount) VALUES (?, ?)", -1, &insert,
                               nullptr) == SQLITE_OK);
    sqlite3_bind_text(insert, 1, key.c_str(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert, 2, amount);
    const int code = sqlite3_step(insert);
    sqlite3_finalize(insert);
    REQUIRE(code == SQLITE_DONE);
  }
  [[nodiscard]] int close() {
    const int code = sqlite3_close(db_);
    if (code == SQLITE_OK) db_ = nullptr;
    return code;
  }

 private:
  sqlite3* db_ = nullptr;
};

// The one integer `sql` returns, with `text` bound to its parameter if given.
inline std::int64_t query_int(sqlite3* db, const char* sql, const std::string* text = nullptr) {
  sqlite3_stmt* query = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &query, nullptr) == SQLITE_OK);
  if (text != nullptr) {
    sqlite3_bind_text(query, 1, text->c_str(), static_cast<int>(text->size()), SQLITE_TRANSIENT);
  }
  REQUIRE(sqlite3_step(query) == SQLITE_ROW);
  const std::int64_t value = sqlite3_column_int64(query, 0);
  sqlite3_finalize(query);
  return value;
}

// The ledger's tables in the database.
inline std::int64_t ledger_tables(sqlite3* db) {
  return query_int(db,
                   "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                   "('meta', 'accounts', 'journal', 'idempotency_keys')");
}

// What the file holds about one sale and its key, read through connections of its own.
struct FileState {
  std::int64_t sales = 0;  // rows of `sales` with the key
  bool key_known = false;  // the ledger has a record of the key
  bool key_completed = false;
  std::int64_t rows_for_key = 0;  // journal rows of the key
  std::int64_t journal_rows = 0;
  std::map<std::string, std::int64_t> balances;  // posted, by account
  std::map<std::string, std::int64_t> held;
  bool verify_ok = false;
};

inline FileState file_state(const std::string& path, const std::string& key) {
  FileState state;
  sqlite3* reader = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  state.sales = query_int(reader, "SELECT count(*) FROM sales WHERE key = ?", &key);
  REQUIRE(sqlite3_close(reader) == SQLITE_OK);
  Ledger ledger = Ledger::open(path);
  auto record = ledger.find_key("till:1", key);
  state.key_known = record.has_value();
  state.key_completed = record && record->state == KeyState::completed;
  for (const JournalEntry& entry : ledger.journal(1, 100'000)) {
    ++state.journal_rows;
    if (entry.key == key) ++state.rows_for_key;
  }
  for (const Account& account : ledger.list_accounts()) {
    state.balances[account.code] = account.balance_minor;
    state.held[account.code] = account.pending_minor;
  }
  state.verify_ok = ledger.verify().ok();
  return state;
}

inline Ledger attach_with_accounts(AppDb& app, const Options& options = {}) {
  Ledger ledger = Ledger::attach(app.handle(), options);
  ledger.create_account({"world", "EUR", OverdraftRule::unlimited, 0, "the outside world"});
  ledger.create_account({"till", "EUR", OverdraftRule::none, 0, "till 1"});
  ledger.create_account({"customer", "EUR", OverdraftRule::none, 0, "a customer"});
  return ledger;
}

// A POS app: its `sales` table and the ledger in one file, on one connection. (Members are
// destroyed in reverse order: the Ledger before the connection it borrows.)
struct Shop {
  TempDir dir{"attach"};
  std::string path = dir.file("shop.db");
  AppDb app{path};
  Ledger ledger = make_ledger(app);

  static Ledger make_ledger(AppDb& app) {
    app.create_sales();
    return attach_with_accounts(app);
  }
  // The app's unit of work: the sale row and its payment.
  TransferResult sell(const std::string& key, std::int64_t amount_minor) {
    app.insert_sale(key, amount_minor);
    return ledger.transfer(make_transfer(key, "world", "till", amount_minor));
  }
};

inline ErrorCode error_code_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("no ledger::Error was thrown");
  return ErrorCode::internal;
}

}  // namespace ledger::testing
