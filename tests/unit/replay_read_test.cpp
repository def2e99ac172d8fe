// Goal: Ledger::replay answers a completed key's retry from a read, byte for byte, on a
// read-only Ledger too, and leaves every other case (unknown, issued, other request,
// another principal's key) to transfer(), storing nothing.
#include <doctest/doctest.h>

#include "test_support.h"

using namespace ledger;
using namespace ledger::testing;

TEST_CASE("replay returns a completed key's stored outcome and nothing else") {
  TempDir dir;
  const std::string path = dir.file("r.db");
  Ledger writer = open_with_accounts(path);
  const TransferRequest sale = make_transfer("sale-1", "world", "till", 1234);
  const TransferResult done = writer.transfer(sale);
  REQUIRE(done.ok());
  const TransferRequest refused = make_transfer("sale-2", "till", "customer", 1'000'000);
  const TransferResult rejection = writer.transfer(refused);
  REQUIRE(rejection.outcome == Outcome::insufficient_funds);
  const KeyRecord issued = writer.issue_key("till:1", "transfer");

  Options options;
  options.read_only = true;
  Ledger reader = Ledger::open(path, options);
  const std::string before = file_bytes(path) + file_bytes(path + "-wal");
  for (Ledger* ledger : {&writer, &reader}) {
    auto again = ledger->replay(sale);
    REQUIRE(again);
    CHECK(again->replayed);
    CHECK(again->outcome == Outcome::created);
    CHECK(again->body == done.body);
    CHECK(again->sequence == done.sequence);
    auto stored_rejection = ledger->replay(refused);
    REQUIRE(stored_rejection);
    CHECK(stored_rejection->outcome == Outcome::insufficient_funds);
    CHECK(stored_rejection->body == rejection.body);

    CHECK_FALSE(ledger->replay(make_transfer("never-used", "world", "till", 1)));
    CHECK_FALSE(ledger->replay(make_transfer(issued.key, "world", "till", 1)));
    CHECK_FALSE(ledger->replay(make_transfer("sale-1", "world", "till", 1235)));
    CHECK_FALSE(ledger->replay(make_transfer("sale-1", "world", "till", 1234, "till:2")));
  }
  CHECK(file_bytes(path) + file_bytes(path + "-wal") == before);
  // The cases replay left alone are transfer()'s: a different request is a conflict.
  CHECK(writer.transfer(make_transfer("sale-1", "world", "till", 1235)).outcome ==
        Outcome::key_reused_with_different_request);
}
