// Goal: every state transition of a two-phase transfer (reserve -> post / partial post /
// void / expire; double post; post after void; post after expiry) behaves as specified,
// is stored with its own key and replays byte-identically; refunds never exceed the
// original; linked batches are all-or-nothing.
// Method: a fake clock drives timeouts; balances (posted, pending, available), the journal
// and verify() are checked after every step.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "test_support.h"

using namespace ledger;
using namespace ledger::testing;

namespace {

struct Shop {
  TempDir dir;
  FakeClock clock;
  Ledger ledger;
  Shop() : ledger(open_with_accounts(dir.file("shop.db"), options(clock))) {
    REQUIRE(ledger.transfer(make_transfer("fund", "world", "customer", 10'000)).ok());
  }
  static Options options(const FakeClock& clock) {
    Options o;
    o.clock_ms = clock.function();
    return o;
  }
  Account account(const std::string& code) { return *ledger.find_account(code); }
  TransferResult reserve(const std::string& key, std::int64_t amount, std::int64_t timeout = 600) {
    return ledger.reserve({"till:1", key, "customer", "till", amount, "EUR", "pre-auth", timeout});
  }
  TransferResult post(const std::string& key, std::int64_t seq, std::int64_t amount = 0) {
    return ledger.post({"till:1", key, seq, amount, "capture"});
  }
  TransferResult cancel(const std::string& key, std::int64_t seq) {
    return ledger.void_pending({"till:1", key, seq, "cancel"});
  }
};

}  // namespace

TEST_CASE("reserve holds funds: available drops, posted does not") {
  Shop shop;
  auto hold = shop.reserve("r1", 3000);
  REQUIRE(hold.ok());
  REQUIRE(hold.sequence);
  auto customer = shop.account("customer");
  CHECK(customer.balance_minor == 10'000);
  CHECK(customer.pending_minor == 3000);
  CHECK(customer.available_minor() == 7000);
  CHECK(shop.account("till").balance_minor == 0);
  // The overdraft rule applies to the available balance.
  CHECK(shop.ledger.transfer(make_transfer("too-much", "customer", "till", 7001)).outcome ==
        Outcome::insufficient_funds);
  CHECK(shop.reserve("r2", 7001).outcome == Outcome::insufficient_funds);
  CHECK(shop.ledger.transfer(make_transfer("fits", "customer", "till", 7000)).ok());
  CHECK(shop.ledger.verify().ok());
}

TEST_CASE("reserve then post captures the full amount once") {
  Shop shop;
  auto seq = *shop.reserve("r", 2500).sequence;
  auto posted = shop.post("p", seq);
  REQUIRE(posted.ok());
  CHECK(shop.account("customer").balance_minor == 7500);
  CHECK(shop.account("customer").pending_minor == 0);
  CHECK(shop.account("till").balance_minor == 2500);
  auto replay = shop.post("p", seq);
  CHECK(replay.replayed);
  CHECK(replay.body == posted.body);
  auto twice = shop.post("p-again", seq);
  CHECK(twice.outcome == Outcome::pending_already_posted);
  CHECK(shop.post("p-again", seq).replayed);  // the refusal is stored too
  CHECK(shop.account("till").balance_minor == 2500);
  auto pending = shop.ledger.list_pending();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].state == PendingState::posted);
  CHECK(pending[0].finished_sequence == posted.sequence);
  CHECK(shop.ledger.verify().ok());
}

TEST_CASE("a partial post captures less and releases the rest") {
  Shop shop;
  auto seq = *shop.reserve("r", 5000).sequence;
  auto posted = shop.post("p", seq, 4200);
  REQUIRE(posted.ok());
  auto body = nlohmann::json::parse(posted.body);
  CHECK(body["posted_minor"] == 4200);
  CHECK(body["released_minor"] == 800);
  CHECK(shop.account("customer").balance_minor == 5800);
  CHECK(shop.account("customer").available_minor() == 5800);
  CHECK(shop.account("till").balance_minor == 4200);
  CHECK(shop.post("p-more", seq, 800).outcome == Outcome::pending_already_posted);
  CHECK(shop.ledger.verify().ok());
}

TEST_CASE("posting more than the hold is a stored rejection and the hold stays open") {
  Shop shop;
  auto seq = *shop.reserve("r", 1000).sequence;
  auto over = shop.post("p", seq, 1001);
  CHECK(over.outcome == Outcome::post_amount_exceeds_pending);
  CHECK(shop.post("p", seq, 1001).replayed);
  CHECK(shop.post("p2", seq, 1000).ok());
  CHECK(shop.ledger.verify().ok());
}

TEST_CASE("void releases the hold, and posting after void is refused") {
  Shop shop;
  auto seq = *shop.reserve("r", 4000).sequence;
  auto voided = shop.cancel("v", seq);
  REQUIRE(voided.ok());
  CHECK(shop.account("customer").pending_minor == 0);
  CHECK(shop.account("customer").balance_minor == 10'000);
  CHECK(shop.cancel("v", seq).body == voided.body);
  CHECK(shop.post("p", seq).outcome == Outcome::pending_already_voided);
  CHECK(shop.cancel("v2", seq).outcome == Outcome::pending_already_voided);
  CHECK(shop.account("till").balance_minor == 0);
  CHECK(shop.ledger.verify().ok());
}

TEST_CASE("a hold past its timeout expires lazily and by expire_pending") {
  Shop shop;
  SUBCASE("lazily, when posting") {
    auto seq = *shop.reserve("r", 4000, 60).sequence;
    shop.clock.advance_seconds(61);
    auto late = shop.post("p", seq);
    CHECK(late.outcome == Outcome::pending_expired);
    CHECK(shop.account("customer").pending_minor == 0);
    CHECK(shop.post("p", seq).replayed);
    CHECK(shop.ledger.list_pending(PendingState::expired).size() == 1);
  }
  SUBCASE("lazily, when the account is debited again") {
    (void)shop.reserve("r", 9000, 60);
    CHECK(shop.ledger.transfer(make_transfer("t", "customer", "till", 5000)).outcome ==
          Outcome::insufficient_funds);
    shop.clock.advance_seconds(61);
    CHECK(shop.ledger.transfer(make_transfer("t2", "customer", "till", 5000)).ok());
  }
  SUBCASE("in bulk") {
    (void)shop.reserve("r1", 100, 60);
    (void)shop.reserve("r2", 200, 60);
    (void)shop.reserve("r3", 300, 3600);
    shop.clock.advance_seconds(61);
    CHECK(shop.ledger.list_pending(PendingState::expired).size() == 2);
    CHECK(shop.ledger.expire_pending() == 2);
    CHECK(shop.ledger.expire_pending() == 0);
    CHECK(shop.account("customer").pending_minor == 300);
  }
  CHECK(shop.ledger.verify().ok());
}

TEST_CASE("post or void of something that is not a pending transfer is refused") {
  Shop shop;
  CHECK(shop.post("p", 999).outcome == Outcome::pending_not_found);
  CHECK(shop.post("p2", 1).outcome == Outcome::pending_not_found);  // seq 1 is a plain transfer
  CHECK(shop.post("p3", 0).outcome == Outcome::invalid_request);
  CHECK_FALSE(shop.ledger.find_key("till:1", "p3"));
}

TEST_CASE("each step's key is bound to its operation and request") {
  Shop shop;
  auto seq = *shop.reserve("r", 1000).sequence;
  CHECK(shop.post("r", seq).outcome == Outcome::key_reused_with_different_request);
  CHECK(shop.post("r", seq).differing_field == "operation");
  auto issued = shop.ledger.issue_key("till:1", "transfer").key;
  CHECK(shop.post(issued, seq).outcome == Outcome::key_operation_mismatch);
  auto post_key = shop.ledger.issue_key("till:1", "post").key;
  CHECK(shop.post(post_key, seq, 10).ok());
  CHECK(shop.post(post_key, seq, 20).differing_field == "amount");
}

TEST_CASE("refunds reverse a posted transfer in parts, never beyond the original") {
  Shop shop;
  auto sale = shop.ledger.transfer(make_transfer("sale", "customer", "till", 3000));
  REQUIRE(sale.ok());
  auto part = shop.ledger.reverse({"till:1", "refund-1", *sale.sequence, 1000, "returned 1"});
  REQUIRE(part.ok());
  CHECK(shop.account("till").balance_minor == 2000);
  CHECK(shop.account("customer").balance_minor == 8000);
  CHECK(shop.ledger.reverse({"till:1", "refund-1", *sale.sequence, 1000, "returned 1"}).replayed);
  auto beyond = shop.ledger.reverse({"till:1", "refund-2", *sale.sequence, 2001, "too much"});
  CHECK(beyond.outcome == Outcome::reversal_exceeds_original);
  CHECK(shop.ledger.reverse({"till:1", "refund-2", *sale.sequence, 2001, "too much"}).replayed);
  auto rest = shop.ledger.reverse({"till:1", "refund-3", *sale.sequence, 0, "the rest"});
  REQUIRE(rest.ok());
  CHECK(nlohmann::json::parse(rest.body)["reversed_minor"] == 2000);
  CHECK(shop.account("till").balance_minor == 0);
  CHECK(shop.ledger.reverse({"till:1", "refund-4", *sale.sequence, 0, ""}).outcome ==
        Outcome::reversal_exceeds_original);
  auto journal = shop.ledger.journal(1, 100);
  CHECK(journal.back().kind == "reverse");
  CHECK(journal.back().ref_sequence == sale.sequence);
  CHECK(shop.ledger.reverse({"till:1", "refund-5", 999, 0, ""}).outcome ==
        Outcome::original_not_found);
  CHECK(shop.ledger.verify().ok());
}

TEST_CASE("a posted pre-authorisation can be refunded, a pending one cannot") {
  Shop shop;
  auto hold = *shop.reserve("r", 1500).sequence;
  CHECK(shop.ledger.reverse({"till:1", "x", hold, 0, ""}).outcome == Outcome::original_not_found);
  auto posted = shop.post("p", hold, 1200);
  CHECK(shop.ledger.reverse({"till:1", "y", *posted.sequence, 0, ""}).ok());
  CHECK(shop.account("till").balance_minor == 0);
  CHECK(shop.account("customer").balance_minor == 10'000);
  CHECK(shop.ledger.verify().ok());
}

TEST_CASE("a linked batch is all-or-nothing and each item's outcome says why") {
  Shop shop;
  std::vector<TransferRequest> day_close = {
      make_transfer("c1", "customer", "till", 4000),
      make_transfer("c2", "customer", "till", 4000),
      make_transfer("c3", "customer", "till", 4000),  // the third one overdraws
  };
  auto results = shop.ledger.transfer_batch(day_close, BatchMode::linked);
  REQUIRE(results.size() == 3);
  CHECK(results[0].outcome == Outcome::linked_batch_failed);
  CHECK(results[1].outcome == Outcome::linked_batch_failed);
  CHECK(results[2].outcome == Outcome::insufficient_funds);
  CHECK(results[0].message.find("item 3 failed") != std::string::npos);  // numbered from 1
  CHECK(shop.account("till").balance_minor == 0);
  CHECK(shop.ledger.journal(1, 100).size() == 1);
  // The failure is final for these keys: retrying the batch replays every outcome.
  auto again = shop.ledger.transfer_batch(day_close, BatchMode::linked);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(again[i].replayed);
    CHECK(again[i].body == results[i].body);
  }
  SUBCASE("a linked batch that fits commits every item") {
    std::vector<TransferRequest> ok = {make_transfer("d1", "customer", "till", 4000),
                                       make_transfer("d2", "customer", "till", 4000)};
    auto done = shop.ledger.transfer_batch(ok, BatchMode::linked);
    CHECK(done[0].ok());
    CHECK(done[1].ok());
    CHECK(shop.account("till").balance_minor == 8000);
  }
  SUBCASE("a malformed item refuses the whole linked batch and stores nothing") {
    std::vector<TransferRequest> bad = {make_transfer("e1", "customer", "till", 10),
                                        make_transfer("e2", "customer", "till", -1)};
    auto refused = shop.ledger.transfer_batch(bad, BatchMode::linked);
    CHECK(refused[0].outcome == Outcome::invalid_request);  // the batch itself is malformed
    CHECK(refused[0].message.find("batch item 2 is malformed") != std::string::npos);
    CHECK(refused[1].outcome == Outcome::invalid_request);
    CHECK_FALSE(shop.ledger.find_key("till:1", "e1"));
  }
  SUBCASE("a linked batch mixing completed keys and new keys") {
    std::vector<TransferRequest> mixed = {make_transfer("fund", "world", "customer", 10'000),
                                          make_transfer("f1", "customer", "till", 100)};
    auto done = shop.ledger.transfer_batch(mixed, BatchMode::linked);
    CHECK(done[0].replayed);
    CHECK(done[1].ok());
    CHECK_FALSE(done[1].replayed);
  }
  CHECK(shop.ledger.verify().ok());
}

TEST_CASE("a refused linked batch still replays items whose keys completed before it") {
  Shop shop;
  REQUIRE(shop.ledger.transfer(make_transfer("done-before", "world", "till", 5)).ok());
  std::vector<TransferRequest> batch = {make_transfer("done-before", "world", "till", 5),
                                        make_transfer("new", "world", "till", 7),
                                        make_transfer("bad", "world", "till", 0)};
  auto results = shop.ledger.transfer_batch(batch, BatchMode::linked);
  CHECK(results[0].replayed);
  CHECK(results[0].outcome == Outcome::created);
  CHECK(results[1].outcome == Outcome::invalid_request);  // not run: item 3 is malformed
  CHECK(results[2].outcome == Outcome::invalid_request);
  CHECK_FALSE(shop.ledger.find_key("till:1", "new"));
  CHECK(shop.account("till").balance_minor == 5);
}

TEST_CASE("readers see a lapsed hold as released before any write releases it") {
  Shop shop;
  (void)shop.reserve("r", 4000, 60);
  CHECK(shop.account("customer").available_minor() == 6000);
  shop.clock.advance_seconds(61);
  CHECK(shop.account("customer").pending_minor == 0);
  CHECK(shop.account("customer").available_minor() == 10'000);
  CHECK(shop.ledger.list_accounts()[0].pending_minor == 0);  // "customer" sorts first
  CHECK(shop.ledger.verify().ok());
}
