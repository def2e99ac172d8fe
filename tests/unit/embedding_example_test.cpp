// Goal: the embedding example in README.md compiles and does what the README says.
// Method: the README's code, verbatim apart from the function name and the file path, runs
// twice on one file; the second run must find the accounts and book a second sale.
#include <doctest/doctest.h>

#include <iostream>

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

}  // namespace

TEST_CASE("the README embedding example books a sale per run") {
  ledger::testing::TempDir dir;
  auto path = dir.file("shop.db");
  CHECK(readme_example(path) == 0);
  CHECK(readme_example(path) == 0);
  auto book = ledger::Ledger::open(path);
  CHECK(book.find_account("till:1")->balance_minor == 2500);
  CHECK(book.verify().ok());
}
