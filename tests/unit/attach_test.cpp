// Goal: SPEC 9's app-owned transactions. A Ledger attached to the app's own connection
// (Ledger::attach) books every operation inside the transaction the app has open, so that
// the app's COMMIT makes its rows, the key, the journal row and the stored response durable
// together and its ROLLBACK removes them all; with no app transaction open, a call commits
// on its own.
// Method: the app opens its own sqlite3 connection (C API, WAL, synchronous=FULL) and keeps
// a `sales` table in the same file (attach_support.h). What the file holds is read through
// connections of its own (a second sqlite3 connection for the sales, Ledger::open for the
// ledger), not through the app's, whose open transaction shows its uncommitted writes.
// (attach's own contract: attach_contract_test.cpp. A process killed before or after the
// app's COMMIT, and I/O errors during that COMMIT: tests/crash/attach_crash_test.cpp.)
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "attach_support.h"

using namespace ledger;
using namespace ledger::testing;

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
