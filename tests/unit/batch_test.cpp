// Goal: a batch with a malformed item is malformed as a whole (SPEC 7): no item executes,
// nothing is stored, every key stays usable, in both batch modes; an item whose key already
// completed still replays. (SharedLedger's groups keep one caller's malformed request from
// refusing the others: shared_ledger_test.cpp.)
// Method: real batches on a temporary ledger; the journal, the keys and the balances are
// compared before and after.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "test_support.h"

using namespace ledger;
using namespace ledger::testing;

TEST_CASE("a batch with a malformed item stores nothing and runs no item") {
  TempDir dir;
  Ledger ledger = open_with_accounts(dir.file("batch.db"));
  REQUIRE(ledger.transfer(make_transfer("done", "world", "till", 500)).ok());
  TransferRequest bad = make_transfer("bad", "world", "till", 100);
  bad.memo = std::string("a\0b", 3);
  BatchMode mode = BatchMode::independent;
  SUBCASE("independent") { mode = BatchMode::independent; }
  SUBCASE("linked") { mode = BatchMode::linked; }
  CAPTURE(static_cast<int>(mode));
  const std::vector<TransferRequest> batch = {make_transfer("good", "world", "till", 100), bad,
                                              make_transfer("done", "world", "till", 500)};
  const std::vector<TransferResult> results = ledger.transfer_batch(batch, mode);
  REQUIRE(results.size() == 3);
  CHECK(results[0].outcome == Outcome::invalid_request);
  CHECK(results[0].message.find("batch item 2 is malformed") != std::string::npos);
  CHECK(results[1].outcome == Outcome::invalid_request);
  CHECK(results[1].message.find("memo") != std::string::npos);
  CHECK(results[2].replayed);  // a completed key still answers with its stored outcome
  CHECK(ledger.journal().size() == 1);
  CHECK(ledger.find_account("till")->balance_minor == 500);
  CHECK_FALSE(ledger.find_key("till:1", "good"));
  CHECK_FALSE(ledger.find_key("till:1", "bad"));
  // The keys stayed usable: the fixed batch runs.
  std::vector<TransferRequest> fixed = batch;
  fixed[1].memo = "ab";
  const std::vector<TransferResult> again = ledger.transfer_batch(fixed, mode);
  CHECK(again[0].ok());
  CHECK_FALSE(again[0].replayed);
  CHECK(again[1].ok());
  CHECK(ledger.find_account("till")->balance_minor == 700);
  CHECK(ledger.verify().ok());
}

TEST_CASE("check_request finds what transfer would refuse, without a ledger") {
  CHECK_FALSE(check_request(make_transfer("k", "world", "till", 1)));
  TransferRequest zero = make_transfer("k", "world", "till", 0);
  auto refused = check_request(zero);
  REQUIRE(refused);
  CHECK(refused->outcome == Outcome::invalid_request);
  CHECK(refused->message.find("amount") != std::string::npos);
}
