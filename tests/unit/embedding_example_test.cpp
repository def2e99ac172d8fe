// Goal: the embedding example in README.md compiles and does what the README says.
// Method: the README's code, verbatim apart from the function name and the file path, runs
// twice on one file; the second run must find the accounts and book a second sale.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <iostream>
#include <stdexcept>

#include "ledger/ledger.h"
#include "test_support.h"

namespace {

int readme_example(const std::string& path) {
  ledger::Options options;                      // durability FULL, client keys allowed
  auto book = ledger::Ledger::open(path, options);  // creates (0600) + migrates
  if (!book.find_account("world")) {
    book.create_account({"world", "EUR", ledger::OverdraftRule::unlimited, 0, "outside"});
    book.create_account({"till:1", "EUR", ledger::OverdraftRule::none, 0, "front till"});
  }
  // The till asks for a key once per sale and keeps it until it has an answer.
  std::string key = book.issue_key("till:1", "transfer").key;
  ledger::TransferRequest sale{"till:1", key, "world", "till:1", 1250, "EUR", "receipt 42"};
  for (;;) {
    try {
      ledger::TransferResult result = book.transfer(sale);   // retry-safe: same key
      std::cout << result.body << "\n";            // byte-identical on every retry
      return ledger::outcome_class(result.outcome) == ledger::OutcomeClass::done ? 0 : 1;
    } catch (const ledger::Error& e) {
      if (!e.transient()) throw;                   // not a ledger, corrupt, bad arguments
      // busy or I/O error: nothing was stored; retry with the SAME key
    }
  }
}

// The app-owned transaction example (README "Atomic with the app's own rows").
void exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    throw std::runtime_error(sqlite3_errmsg(db));
  }
}

void record_sale(sqlite3* db, const std::string& receipt, std::int64_t total_minor) {
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO sales (receipt, total_minor) VALUES (?, ?)", -1, &insert,
                     nullptr);
  sqlite3_bind_text(insert, 1, receipt.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(insert, 2, total_minor);
  const int code = sqlite3_step(insert);
  sqlite3_finalize(insert);
  if (code != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db));
}

bool sell(sqlite3* db, ledger::Ledger& book, const std::string& receipt, const std::string& key) {
  exec(db, "BEGIN IMMEDIATE");
  try {
    auto result = book.transfer({"till:1", key, "world", "till:1", 1250, "EUR", receipt});
    if (ledger::outcome_class(result.outcome) != ledger::OutcomeClass::done) {
      exec(db, "ROLLBACK");  // no sale without its money
      return false;
    }
    record_sale(db, receipt, 1250);  // throws if the app refuses its own row
    exec(db, "COMMIT");  // the sale, the transfer, its key and response: all or nothing
    return true;
  } catch (...) {
    exec(db, "ROLLBACK");
    throw;
  }
}

int readme_attach_example(const std::string& path, const std::string& receipt,
                          const std::string& key) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return 2;
  exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
           "CREATE TABLE IF NOT EXISTS sales (receipt TEXT PRIMARY KEY, total_minor INTEGER)");
  bool sold = false;
  {
    auto book = ledger::Ledger::attach(db);  // creates or upgrades the ledger's tables
    if (!book.find_account("world")) {
      book.create_account({"world", "EUR", ledger::OverdraftRule::unlimited, 0, "outside"});
      book.create_account({"till:1", "EUR", ledger::OverdraftRule::none, 0, "front till"});
    }
    sold = sell(db, book, receipt, key);
  }  // the Ledger goes before the connection closes
  sqlite3_close(db);
  return sold ? 0 : 1;
}

}  // namespace

TEST_CASE("the README app-owned transaction example commits the sale with its transfer") {
  ledger::testing::TempDir dir;
  auto path = dir.file("shop.db");
  CHECK(readme_attach_example(path, "receipt 43", "sale-43") == 0);
  // A second sale whose receipt already exists fails inside the app's transaction after
  // the transfer ran: the rollback takes the transfer and its key with it.
  CHECK_THROWS(readme_attach_example(path, "receipt 43", "sale-43-again"));
  auto book = ledger::Ledger::open(path);
  CHECK(book.find_account("till:1")->balance_minor == 1250);
  CHECK(book.journal(1, 10).size() == 1);
  CHECK_FALSE(book.find_key("till:1", "sale-43-again"));
  CHECK(book.find_key("till:1", "sale-43")->state == ledger::KeyState::completed);
  CHECK(book.verify().ok());
}

TEST_CASE("the README embedding example books a sale per run") {
  ledger::testing::TempDir dir;
  auto path = dir.file("shop.db");
  CHECK(readme_example(path) == 0);
  CHECK(readme_example(path) == 0);
  auto book = ledger::Ledger::open(path);
  CHECK(book.find_account("till:1")->balance_minor == 2500);
  CHECK(book.verify().ok());
}
