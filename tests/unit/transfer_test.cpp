// Goal: a transfer moves money exactly once per (principal, key), stores its outcome, and
// answers every retry with the byte-identical stored response.
// Method: drive the public API on a temporary file and inspect balances, journal and keys.
#include <doctest/doctest.h>

#include "test_support.h"

using namespace ledger;
using namespace ledger::testing;

TEST_CASE("a transfer moves money once and a retry replays the identical response") {
  TempDir dir;
  Ledger ledger = open_with_accounts(dir.file("l.db"));
  auto first = ledger.transfer(make_transfer("k1", "world", "customer", 5000));
  REQUIRE(first.outcome == Outcome::created);
  CHECK_FALSE(first.replayed);
  CHECK(first.sequence == 1);
  auto again = ledger.transfer(make_transfer("k1", "world", "customer", 5000));
  CHECK(again.outcome == Outcome::created);
  CHECK(again.replayed);
  CHECK(again.body == first.body);
  CHECK(again.sequence == 1);
  CHECK(ledger.find_account("customer")->balance_minor == 5000);
  CHECK(ledger.find_account("world")->balance_minor == -5000);
  CHECK(ledger.journal().size() == 1);
  CHECK(ledger.verify().ok());
}
