// Goal: SPEC 9's app-owned transactions. A Ledger attached to the app's own connection
// (Ledger::attach) books every operation inside the transaction the app has open, so that
// the app's COMMIT makes its rows, the key, the journal row and the stored response durable
// together and its ROLLBACK removes them all; with no app transaction open, a call commits
// on its own. And attach's contract: what it creates, what it refuses, and that the app can
// close its connection afterwards.
// Method: the app opens its own sqlite3 connection (C API, WAL, synchronous=FULL) and keeps
// a `sales` table in the same file. What the file holds is read through connections of
// its own (a second sqlite3 connection for the sales, Ledger::open for the ledger), not
// through the app's, whose open transaction would show its own uncommitted writes.
// (A process killed before or after the app's COMMIT, and I/O errors during that COMMIT:
// tests/crash/attach_crash_test.cpp.)
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.h"

using namespace ledger;
using namespace ledger::testing;

namespace {

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
std::int64_t query_int(sqlite3* db, const char* sql, const std::string* text = nullptr) {
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
std::int64_t ledger_tables(sqlite3* db) {
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

FileState file_state(const std::string& path, const std::string& key) {
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

Ledger attach_with_accounts(AppDb& app, const Options& options = {}) {
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

ErrorCode error_code_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("no ledger::Error was thrown");
  return ErrorCode::internal;
}

}  // namespace

TEST_CASE("a sale and its transfer committed by the app reach the file together and replay") {
  Shop shop;
  shop.app.exec("BEGIN IMMEDIATE");
  const TransferResult first = shop.sell("sale-1", 1250);
  REQUIRE(first.ok());
  CHECK_FALSE(first.replayed);
  // Until the app commits, no other connection sees the sale or the transfer.
  FileState before = file_state(shop.path, "sale-1");
  CHECK(before.sales == 0);
  CHECK_FALSE(before.key_known);
  CHECK(before.journal_rows == 0);
  CHECK(shop.app.in_transaction());
  shop.app.exec("COMMIT");

  FileState after = file_state(shop.path, "sale-1");
  CHECK(after.sales == 1);
  CHECK(after.key_completed);
  CHECK(after.rows_for_key == 1);
  CHECK(after.balances["till"] == 1250);
  CHECK(after.verify_ok);

  // The app's retry replays, on its own connection or on another.
  shop.app.exec("BEGIN IMMEDIATE");
  const TransferResult again = shop.ledger.transfer(make_transfer("sale-1", "world", "till", 1250));
  shop.app.exec("COMMIT");
  CHECK(again.replayed);
  CHECK(again.outcome == first.outcome);
  CHECK(again.body == first.body);
  const TransferResult elsewhere =
      Ledger::open(shop.path).transfer(make_transfer("sale-1", "world", "till", 1250));
  CHECK(elsewhere.replayed);
  CHECK(elsewhere.body == first.body);
  FileState last = file_state(shop.path, "sale-1");
  CHECK(last.rows_for_key == 1);
  CHECK(last.balances["till"] == 1250);
  CHECK(last.verify_ok);
}

TEST_CASE("a sale and its transfer rolled back by the app leave nothing, and a retry executes") {
  Shop shop;
  shop.app.exec("BEGIN IMMEDIATE");
  const TransferResult first = shop.sell("sale-1", 1250);
  REQUIRE(first.ok());
  CHECK(shop.ledger.find_key("till:1", "sale-1"));  // inside the app's transaction
  shop.app.exec("ROLLBACK");

  CHECK_FALSE(shop.ledger.find_key("till:1", "sale-1"));
  CHECK(shop.ledger.journal().empty());
  CHECK(shop.ledger.verify().ok());
  FileState after = file_state(shop.path, "sale-1");
  CHECK(after.sales == 0);
  CHECK_FALSE(after.key_known);
  CHECK(after.journal_rows == 0);
  CHECK(after.balances["till"] == 0);
  CHECK(after.balances["world"] == 0);
  CHECK(after.verify_ok);

  // The key was never used: the retry executes, it does not replay.
  shop.app.exec("BEGIN IMMEDIATE");
  const TransferResult retry = shop.sell("sale-1", 1250);
  shop.app.exec("COMMIT");
  CHECK(retry.ok());
  CHECK_FALSE(retry.replayed);
  FileState last = file_state(shop.path, "sale-1");
  CHECK(last.sales == 1);
  CHECK(last.key_completed);
  CHECK(last.rows_for_key == 1);
  CHECK(last.balances["till"] == 1250);
  CHECK(last.verify_ok);
}

TEST_CASE("a stored rejection inside a rolled-back app transaction is gone with it") {
  Shop shop;
  shop.app.exec("BEGIN IMMEDIATE");
  const TransferResult refused =
      shop.ledger.transfer(make_transfer("pay", "customer", "till", 500));
  REQUIRE(refused.outcome == Outcome::insufficient_funds);
  auto record = shop.ledger.find_key("till:1", "pay");
  REQUIRE(record);
  CHECK(record->state == KeyState::completed);  // stored, inside the app's transaction
  shop.app.exec("ROLLBACK");
  CHECK_FALSE(shop.ledger.find_key("till:1", "pay"));
  CHECK_FALSE(file_state(shop.path, "pay").key_known);

  // Had the rejection stayed, the key would replay it; it is gone, so the key executes.
  REQUIRE(shop.ledger.transfer(make_transfer("fund", "world", "customer", 1000)).ok());
  const TransferResult retry = shop.ledger.transfer(make_transfer("pay", "customer", "till", 500));
  CHECK(retry.ok());
  CHECK_FALSE(retry.replayed);
  CHECK(shop.ledger.verify().ok());
}

TEST_CASE("every money operation inside a rolled-back app transaction is undone with it") {
  Shop shop;
  // Committed before: funds, a hold to post or void, a transfer to refund.
  REQUIRE(shop.ledger.transfer(make_transfer("fund", "world", "customer", 10'000)).ok());
  const TransferResult hold =
      shop.ledger.reserve({"till:1", "hold", "customer", "till", 3000, "EUR", "pre-auth", 600});
  const TransferResult paid = shop.ledger.transfer(make_transfer("paid", "customer", "till", 2000));
  REQUIRE(hold.ok());
  REQUIRE(paid.ok());
  const FileState before = file_state(shop.path, "-");
  auto transfers = [](std::vector<TransferRequest> items) { return items; };

  std::vector<std::string> keys;
  std::function<std::vector<TransferResult>()> run;
  SUBCASE("reserve") {
    keys = {"op"};
    run = [&] {
      return std::vector{
          shop.ledger.reserve({"till:1", "op", "customer", "till", 1000, "EUR", "hold", 600})};
    };
  }
  SUBCASE("post") {
    keys = {"op"};
    run = [&] { return std::vector{shop.ledger.post({"till:1", "op", *hold.sequence, 2500, ""})}; };
  }
  SUBCASE("void") {
    keys = {"op"};
    run = [&] {
      return std::vector{shop.ledger.void_pending({"till:1", "op", *hold.sequence, "cancel"})};
    };
  }
  SUBCASE("reverse") {
    keys = {"op"};
    run = [&] {
      return std::vector{shop.ledger.reverse({"till:1", "op", *paid.sequence, 500, "refund"})};
    };
  }
  SUBCASE("independent batch, one item rejected") {
    keys = {"b1", "b2"};
    run = [&] {
      return shop.ledger.transfer_batch(transfers({make_transfer("b1", "world", "till", 100),
                                                   make_transfer("b2", "till", "world", 99'999)}),
                                        BatchMode::independent);
    };
  }
  SUBCASE("linked batch") {
    keys = {"l1", "l2"};
    run = [&] {
      return shop.ledger.transfer_batch(transfers({make_transfer("l1", "world", "till", 100),
                                                   make_transfer("l2", "customer", "till", 200)}),
                                        BatchMode::linked);
    };
  }
  SUBCASE("linked batch that fails") {
    keys = {"l1", "l2"};
    run = [&] {
      return shop.ledger.transfer_batch(transfers({make_transfer("l1", "world", "till", 100),
                                                   make_transfer("l2", "till", "world", 99'999)}),
                                        BatchMode::linked);
    };
  }

  shop.app.exec("BEGIN IMMEDIATE");
  shop.app.insert_sale("sale", 1);
  const std::vector<TransferResult> inside = run();
  REQUIRE(inside.size() == keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    CAPTURE(keys[i]);
    CHECK_FALSE(inside[i].replayed);
    CHECK(shop.ledger.find_key("till:1", keys[i]));  // stored inside the app's transaction
  }
  shop.app.exec("ROLLBACK");

  const FileState after = file_state(shop.path, "-");
  CHECK(after.journal_rows == before.journal_rows);
  CHECK(after.balances == before.balances);
  CHECK(after.held == before.held);
  CHECK(after.verify_ok);
  CHECK(shop.ledger.verify().ok());
  CHECK(shop.ledger.list_pending().size() == 1);
  CHECK(shop.ledger.list_pending().at(0).state == PendingState::pending);
  for (const std::string& key : keys) {
    CAPTURE(key);
    CHECK_FALSE(shop.ledger.find_key("till:1", key));
    CHECK_FALSE(file_state(shop.path, key).key_known);
  }

  // The keys were never used: the retries execute, with the same outcomes; then they replay.
  shop.app.exec("BEGIN IMMEDIATE");
  const std::vector<TransferResult> retried = run();
  shop.app.exec("COMMIT");
  const std::vector<TransferResult> replayed = run();
  REQUIRE(retried.size() == keys.size());
  REQUIRE(replayed.size() == keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    CAPTURE(keys[i]);
    CHECK(retried[i].outcome == inside[i].outcome);
    CHECK_FALSE(retried[i].replayed);
    CHECK(replayed[i].replayed);
    CHECK(replayed[i].body == retried[i].body);
  }
  CHECK(file_state(shop.path, "-").verify_ok);
}

TEST_CASE("an app savepoint rolled back by the app takes back only the calls made inside it") {
  Shop shop;
  shop.app.exec("BEGIN IMMEDIATE");
  REQUIRE(shop.sell("kept", 100).ok());
  shop.app.exec("SAVEPOINT basket");
  REQUIRE(shop.sell("dropped", 200).ok());
  shop.app.exec("ROLLBACK TO basket");
  shop.app.exec("RELEASE basket");
  shop.app.exec("COMMIT");

  const FileState kept = file_state(shop.path, "kept");
  CHECK(kept.sales == 1);
  CHECK(kept.key_completed);
  CHECK(kept.rows_for_key == 1);
  CHECK(kept.journal_rows == 1);
  CHECK(kept.balances.at("till") == 100);
  CHECK(kept.verify_ok);
  const FileState dropped = file_state(shop.path, "dropped");
  CHECK(dropped.sales == 0);
  CHECK_FALSE(dropped.key_known);
  CHECK(dropped.rows_for_key == 0);

  const TransferResult retry = shop.sell("dropped", 200);
  CHECK(retry.ok());
  CHECK_FALSE(retry.replayed);
  CHECK(file_state(shop.path, "dropped").verify_ok);
}

TEST_CASE("a call that fails after it wrote leaves none of its writes in the app's transaction") {
  // The app's own trigger (temporary: this connection only) refuses the key rows of one
  // principal, so the transfer fails after it appended its journal row, inside the app's
  // transaction. The app commits its sale anyway: the transfer must be wholly absent.
  Shop shop;
  shop.app.exec(
      "CREATE TEMP TRIGGER refuse_key BEFORE INSERT ON main.idempotency_keys "
      "WHEN NEW.principal = 'till:9' BEGIN SELECT RAISE(ABORT, 'the app refuses till 9'); END");
  const TransferRequest sale = make_transfer("sale-1", "world", "till", 50, "till:9");
  shop.app.exec("BEGIN IMMEDIATE");
  shop.app.insert_sale("sale-1", 50);
  CHECK_THROWS_AS((void)shop.ledger.transfer(sale), Error);
  REQUIRE(shop.app.in_transaction());
  shop.app.exec("COMMIT");
  const FileState state = file_state(shop.path, "sale-1");
  CHECK(state.sales == 1);
  CHECK(state.journal_rows == 0);
  CHECK(state.balances.at("till") == 0);
  CHECK(state.verify_ok);

  shop.app.exec("DROP TRIGGER temp.refuse_key");
  const TransferResult retry = shop.ledger.transfer(sale);
  CHECK(retry.ok());
  CHECK_FALSE(retry.replayed);
  CHECK(file_state(shop.path, "sale-1").balances.at("till") == 50);
  CHECK(shop.ledger.verify().ok());
}

TEST_CASE("with no app transaction open, each call commits on its own") {
  Shop shop;
  REQUIRE_FALSE(shop.app.in_transaction());
  REQUIRE(shop.ledger.transfer(make_transfer("sale-1", "world", "till", 700)).ok());
  CHECK(shop.ledger.transfer(make_transfer("refused", "customer", "till", 1)).outcome ==
        Outcome::insufficient_funds);
  const KeyRecord issued = shop.ledger.issue_key("till:1", "transfer");
  CHECK_FALSE(shop.app.in_transaction());

  // Committed: another connection sees all of it, and the app's later rollback of an
  // unrelated transaction takes nothing back.
  shop.app.exec("BEGIN IMMEDIATE");
  shop.app.insert_sale("unrelated", 1);
  shop.app.exec("ROLLBACK");
  const FileState state = file_state(shop.path, "sale-1");
  CHECK(state.key_completed);
  CHECK(state.rows_for_key == 1);
  CHECK(state.balances.at("till") == 700);
  CHECK(file_state(shop.path, "refused").key_completed);
  CHECK(Ledger::open(shop.path).find_key("till:1", issued.key));
  CHECK(state.verify_ok);
}

TEST_CASE("a call in a deferred app transaction that another connection overtook stores nothing") {
  // The header's advice, BEGIN IMMEDIATE, exists for this: a deferred transaction that has
  // read keeps its snapshot, and a write after another connection's commit must fail as
  // busy (retry) without storing anything or breaking the app's transaction.
  Shop shop;
  shop.app.exec("BEGIN");
  CHECK(query_int(shop.app.handle(), "SELECT count(*) FROM sales") == 0);  // takes a snapshot
  REQUIRE(Ledger::open(shop.path).transfer(make_transfer("other", "world", "till", 5)).ok());
  CHECK(error_code_of([&] {
          (void)shop.ledger.transfer(make_transfer("mine", "world", "till", 10));
        }) == ErrorCode::busy);
  CHECK(shop.app.in_transaction());
  shop.app.exec("ROLLBACK");
  CHECK_FALSE(file_state(shop.path, "mine").key_known);

  shop.app.exec("BEGIN IMMEDIATE");
  const TransferResult retry = shop.sell("mine", 10);
  shop.app.exec("COMMIT");
  CHECK(retry.ok());
  CHECK_FALSE(retry.replayed);
  const FileState state = file_state(shop.path, "mine");
  CHECK(state.sales == 1);
  CHECK(state.balances.at("till") == 15);
  CHECK(state.verify_ok);
}

TEST_CASE("attach creates the ledger in a new, empty database file") {
  TempDir dir("attach");
  const std::string path = dir.file("new.db");
  AppDb app(path);
  {
    Ledger ledger = Ledger::attach(app.handle());
    CHECK(ledger.open_report().created);
    CHECK(ledger.open_report().schema_version_before == 0);
    CHECK(ledger.open_report().schema_version == ledger.stats().schema_version);
    CHECK(ledger_tables(app.handle()) == 4);
    ledger.create_account({"world", "EUR", OverdraftRule::unlimited, 0, ""});
    ledger.create_account({"till", "EUR", OverdraftRule::none, 0, ""});
    REQUIRE(ledger.transfer(make_transfer("k", "world", "till", 1)).ok());
  }
  Ledger again = Ledger::attach(app.handle());  // a second attach finds the ledger
  CHECK_FALSE(again.open_report().created);
  CHECK(again.find_account("till")->balance_minor == 1);
  CHECK(Ledger::open(path).verify().ok());
}

TEST_CASE("attach adds the ledger to an app database that already has tables and rows") {
  TempDir dir("attach");
  const std::string path = dir.file("app.db");
  AppDb app(path);
  app.create_sales();
  app.exec("CREATE TABLE receipts (id INTEGER PRIMARY KEY, sale_id INTEGER REFERENCES sales(id))");
  app.exec("CREATE INDEX sales_by_amount ON sales (amount)");
  app.insert_sale("old-1", 10);
  app.insert_sale("old-2", 20);

  Ledger ledger = attach_with_accounts(app);
  CHECK(ledger.open_report().created);
  CHECK(query_int(app.handle(), "SELECT count(*) FROM sales") == 2);
  CHECK(query_int(app.handle(), "SELECT sum(amount) FROM sales") == 30);
  app.exec("BEGIN IMMEDIATE");
  app.insert_sale("new", 30);
  REQUIRE(ledger.transfer(make_transfer("new", "world", "till", 30)).ok());
  app.exec("COMMIT");
  const FileState state = file_state(path, "new");
  CHECK(state.sales == 1);
  CHECK(state.key_completed);
  CHECK(state.verify_ok);
}

TEST_CASE("attach refuses a database whose user_version or application_id the app uses") {
  TempDir dir("attach");
  const std::string path = dir.file("app.db");
  AppDb app(path);
  app.create_sales();
  std::string pragma;
  const char* read_back = "";
  std::int64_t value = 0;
  SUBCASE("user_version") {
    pragma = "PRAGMA user_version = 7";
    read_back = "PRAGMA user_version";
    value = 7;
  }
  SUBCASE("application_id") {
    pragma = "PRAGMA application_id = 4660";
    read_back = "PRAGMA application_id";
    value = 4660;
  }
  CAPTURE(pragma);
  app.exec(pragma.c_str());
  CHECK(error_code_of([&] { (void)Ledger::attach(app.handle()); }) == ErrorCode::not_a_ledger);
  // Nothing was written: no ledger tables, the app's number left as it was.
  CHECK(ledger_tables(app.handle()) == 0);
  CHECK(query_int(app.handle(), read_back) == value);
  CHECK_FALSE(app.in_transaction());
}

TEST_CASE("attach creates the tables only outside a transaction, and attaches inside one later") {
  TempDir dir("attach");
  const std::string path = dir.file("app.db");
  AppDb app(path);
  app.create_sales();
  app.exec("BEGIN IMMEDIATE");
  app.insert_sale("before", 5);
  // Tables created inside the app's transaction would vanish with its rollback.
  CHECK(error_code_of([&] { (void)Ledger::attach(app.handle()); }) == ErrorCode::invalid_argument);
  CHECK(app.in_transaction());  // the app's transaction is left as it was
  app.exec("COMMIT");
  CHECK(ledger_tables(app.handle()) == 0);
  CHECK(query_int(app.handle(), "SELECT count(*) FROM sales") == 1);

  { Ledger created = attach_with_accounts(app); }
  app.exec("BEGIN IMMEDIATE");
  Ledger ledger = Ledger::attach(app.handle());
  CHECK_FALSE(ledger.open_report().created);
  app.insert_sale("sale-1", 40);
  REQUIRE(ledger.transfer(make_transfer("sale-1", "world", "till", 40)).ok());
  CHECK(app.in_transaction());
  app.exec("COMMIT");
  const FileState state = file_state(path, "sale-1");
  CHECK(state.sales == 1);
  CHECK(state.key_completed);
  CHECK(state.verify_ok);
}

TEST_CASE("attach refuses a null connection and Options::read_only") {
  CHECK(error_code_of([] { (void)Ledger::attach(nullptr); }) == ErrorCode::invalid_argument);
  TempDir dir("attach");
  AppDb app(dir.file("app.db"));
  Options read_only;
  read_only.read_only = true;
  CHECK(error_code_of([&] { (void)Ledger::attach(app.handle(), read_only); }) ==
        ErrorCode::invalid_argument);
  CHECK(ledger_tables(app.handle()) == 0);
}

TEST_CASE("between calls the attached Ledger leaves the app's connection idle, and closable") {
  // A statement left mid-result would hold a read snapshot on the app's connection (stale
  // reads for the app, a WAL that cannot be reset); a transaction left open would swallow
  // the app's next writes; a statement left unfinalized makes the app's sqlite3_close fail.
  TempDir dir("attach");
  AppDb app(dir.file("app.db"));
  auto busy_statements = [&] {
    int busy = 0;
    for (sqlite3_stmt* s = sqlite3_next_stmt(app.handle(), nullptr); s != nullptr;
         s = sqlite3_next_stmt(app.handle(), s)) {
      busy += sqlite3_stmt_busy(s) != 0 ? 1 : 0;
    }
    return busy;
  };
  {
    Ledger ledger = attach_with_accounts(app);
    const TransferRequest sale = make_transfer("k", "world", "till", 10);
    std::int64_t hold = 0;
    const std::vector<std::pair<std::string, std::function<void()>>> calls = {
        {"transfer", [&] { REQUIRE(ledger.transfer(sale).ok()); }},
        {"replay", [&] { CHECK(ledger.replay(sale)); }},
        {"transfer replayed", [&] { CHECK(ledger.transfer(sale).replayed); }},
        {"linked batch",
         [&] {
           (void)ledger.transfer_batch(std::vector{make_transfer("b", "world", "till", 1)},
                                       BatchMode::linked);
         }},
        {"reserve",
         [&] {
           hold = *ledger.reserve({"till:1", "r", "world", "till", 5, "EUR", "", 600}).sequence;
         }},
        {"post",
         [&] {
           (void)ledger.post({"till:1", "p", hold, 0, ""});
         }},
        {"reverse",
         [&] {
           (void)ledger.reverse({"till:1", "v", hold, 0, ""});
         }},
        {"issue_key", [&] { (void)ledger.issue_key("till:1", "transfer"); }},
        {"find_key", [&] { CHECK(ledger.find_key("till:1", "k")); }},
        {"purge_keys", [&] { (void)ledger.purge_keys(); }},
        {"list_keys", [&] { (void)ledger.list_keys(); }},
        {"list_pending", [&] { (void)ledger.list_pending(); }},
        {"expire_pending", [&] { (void)ledger.expire_pending(); }},
        {"journal", [&] { (void)ledger.journal(); }},
        {"find_account", [&] { CHECK(ledger.find_account("till")); }},
        {"list_accounts", [&] { (void)ledger.list_accounts(); }},
        {"stats", [&] { (void)ledger.stats(); }},
        {"verify", [&] { CHECK(ledger.verify().ok()); }},
    };
    for (const auto& [name, call] : calls) {
      CAPTURE(name);
      call();
      CHECK_FALSE(app.in_transaction());
      CHECK(busy_statements() == 0);
    }
  }
  CHECK(sqlite3_next_stmt(app.handle(), nullptr) == nullptr);
  CHECK(app.close() == SQLITE_OK);
}

TEST_CASE("a file written through attach is a ledger that Ledger::open verifies, and back") {
  Shop shop;
  shop.app.exec("BEGIN IMMEDIATE");
  REQUIRE(shop.sell("sale-1", 900).ok());
  const TransferResult hold =
      shop.ledger.reserve({"till:1", "hold", "till", "customer", 300, "EUR", "", 600});
  REQUIRE(hold.ok());
  REQUIRE(shop.ledger.post({"till:1", "post", *hold.sequence, 200, ""}).ok());
  shop.app.exec("COMMIT");
  {
    // What `ledgerctl verify` does on the app's file.
    Ledger own = Ledger::open(shop.path);
    CHECK(own.verify().ok());
    CHECK(own.stats().journal_rows == 3);
    CHECK(own.transfer(make_transfer("from-open", "world", "till", 1)).ok());
  }
  CHECK(shop.ledger.find_key("till:1", "from-open"));
  CHECK(shop.ledger.verify().ok());

  // And a ledger Ledger::open created takes an app's tables and an attach.
  const std::string path = shop.dir.file("own.db");
  { Ledger own = open_with_accounts(path); }
  AppDb app(path);
  app.create_sales();
  Ledger attached = Ledger::attach(app.handle());
  CHECK_FALSE(attached.open_report().created);
  app.exec("BEGIN IMMEDIATE");
  app.insert_sale("s", 3);
  REQUIRE(attached.transfer(make_transfer("s", "world", "till", 3)).ok());
  app.exec("COMMIT");
  CHECK(file_state(path, "s").sales == 1);
  CHECK(file_state(path, "s").key_completed);
}

// --- the README's example of Ledger::attach ------------------------------------------------

namespace {

// Verbatim from README.md ("Atomic with the app's own rows"), apart from the names
// readme_book_sale and readme_attach_example and the file path.
bool readme_book_sale(sqlite3* db, ledger::Ledger& book, const std::string& key,
                      std::int64_t cents) {
  sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);  // the app's transaction
  try {
    ledger::TransferRequest payment{"till:1", key, "world", "till:1", cents, "EUR", "sale"};
    ledger::TransferResult paid = book.transfer(payment);  // a SAVEPOINT inside it
    if (paid.ok()) {
      sqlite3_stmt* insert = nullptr;
      sqlite3_prepare_v2(db, "INSERT INTO sales (key, amount) VALUES (?, ?)", -1, &insert, nullptr);
      sqlite3_bind_text(insert, 1, key.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(insert, 2, cents);
      const int step = sqlite3_step(insert);
      sqlite3_finalize(insert);
      if (step != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db));
    }
    // One COMMIT: the sale row, the payment, its key and its stored response, or nothing.
    // (A stored rejection, e.g. insufficient_funds, commits too: its retry replays it.)
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(db));
    }
    return paid.ok();
  } catch (...) {
    // Neither the sale nor the payment nor the key is stored: retry with the SAME key.
    if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

int readme_attach_example(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"  // as durable as open()
               "CREATE TABLE IF NOT EXISTS sales (id INTEGER PRIMARY KEY, key TEXT UNIQUE,"
               " amount INTEGER)",
               nullptr, nullptr, nullptr);
  {
    // Creates (or upgrades) the ledger's tables in the app's file: call it outside a
    // transaction. Later calls run inside the app's transactions, or commit on their own.
    auto book = ledger::Ledger::attach(db);
    if (!book.find_account("world")) {
      book.create_account({"world", "EUR", ledger::OverdraftRule::unlimited, 0, "outside"});
      book.create_account({"till:1", "EUR", ledger::OverdraftRule::none, 0, "front till"});
    }
    readme_book_sale(db, book, book.issue_key("till:1", "transfer").key, 1250);
  }  // destroy the Ledger first: it finalizes its statements on the app's connection
  return sqlite3_close(db) == SQLITE_OK ? 0 : 1;
}

}  // namespace

TEST_CASE("the README's attach example books a sale and its payment together, once a run") {
  TempDir dir("attach");
  const std::string path = dir.file("shop.db");
  CHECK(readme_attach_example(path) == 0);
  CHECK(readme_attach_example(path) == 0);
  Ledger book = Ledger::open(path);
  CHECK(book.find_account("till:1")->balance_minor == 2500);
  CHECK(book.journal().size() == 2);
  CHECK(book.verify().ok());
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  CHECK(query_int(db, "SELECT count(*) FROM sales") == 2);
  CHECK(sqlite3_close(db) == SQLITE_OK);
}
