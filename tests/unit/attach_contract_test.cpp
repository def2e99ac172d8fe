// Goal: Ledger::attach's contract (include/ledger/ledger.h): it creates the ledger's tables
// in a new or an app's database, only outside a transaction, and attaches inside one once
// they exist; it refuses a null connection, Options::read_only and a database whose
// user_version or application_id the app uses, writing nothing; between calls it leaves
// the app's connection idle, and once destroyed the app can close it; the file is a ledger
// Ledger::open verifies; and the README's example works.
// Method: the app's own sqlite3 connection and a shop (attach_support.h); the database is
// inspected through the app's connection and through Ledger::open.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "attach_support.h"

using namespace ledger;
using namespace ledger::testing;

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

TEST_CASE("attach without create_if_missing refuses a database that holds no ledger") {
  TempDir dir("attach");
  AppDb app(dir.file("app.db"));
  Options no_create;
  no_create.create_if_missing = false;
  CHECK(error_code_of([&] { (void)Ledger::attach(app.handle(), no_create); }) ==
        ErrorCode::not_found);
  CHECK(ledger_tables(app.handle()) == 0);
  { (void)Ledger::attach(app.handle()); }
  CHECK(Ledger::attach(app.handle(), no_create).open_report().schema_version > 0);
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
