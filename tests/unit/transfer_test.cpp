// Goal: a transfer moves money exactly once per (principal, key), stores its outcome, and
// answers every retry with the byte-identical stored response.
// Method: drive the public API on a temporary file and inspect balances, journal and keys.
#include <doctest/doctest.h>

#include <limits>
#include <nlohmann/json.hpp>

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

TEST_CASE("overdraft rules decide how far a debit may go") {
  TempDir dir;
  Ledger ledger = open_with_accounts(dir.file("l.db"));
  ledger.create_account({"staff", "EUR", OverdraftRule::limit, 500, "staff tab"});
  CHECK(ledger.transfer(make_transfer("t1", "staff", "till", 500)).ok());
  CHECK(ledger.find_account("staff")->balance_minor == -500);
  CHECK(ledger.transfer(make_transfer("t2", "staff", "till", 1)).outcome ==
        Outcome::insufficient_funds);
  CHECK(ledger.transfer(make_transfer("t3", "customer", "till", 1)).outcome ==
        Outcome::insufficient_funds);
  CHECK(ledger.transfer(make_transfer("t4", "world", "till", 1'000'000'000)).ok());
  CHECK(ledger.verify().ok());
}

TEST_CASE("a credit that would overflow int64 is a stored rejection, not a wrap-around") {
  TempDir dir;
  Ledger ledger = open_with_accounts(dir.file("l.db"));
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  REQUIRE(ledger.transfer(make_transfer("big", "world", "till", kMax)).ok());
  auto result = ledger.transfer(make_transfer("more", "world", "till", 1));
  CHECK(result.outcome == Outcome::balance_overflow);
  CHECK(ledger.find_account("till")->balance_minor == kMax);
  CHECK(ledger.transfer(make_transfer("more", "world", "till", 1)).replayed);
  CHECK(ledger.verify().ok());
}

TEST_CASE("the response body is a self-describing JSON object") {
  TempDir dir;
  Ledger ledger = open_with_accounts(dir.file("l.db"));
  auto request = make_transfer("k", "world", "customer", 1234);
  request.memo = "quote \" backslash \\ newline \n unicode é";
  auto result = ledger.transfer(request);
  auto body = nlohmann::json::parse(result.body);
  CHECK(body["status"] == "created");
  CHECK(body["amount"] == "12.34");
  CHECK(body["amount_minor"] == 1234);
  CHECK(body["currency"] == "EUR");
  CHECK(body["from"] == "world");
  CHECK(body["to"] == "customer");
  CHECK(body["memo"] == request.memo);
  CHECK(body["sequence"] == 1);
  CHECK(body["key"] == "k");
}

TEST_CASE("a batch commits many transfers at once, each with its own outcome") {
  TempDir dir;
  Ledger ledger = open_with_accounts(dir.file("l.db"));
  REQUIRE(ledger.transfer(make_transfer("done-before", "world", "customer", 100)).ok());
  std::vector<TransferRequest> batch = {
      make_transfer("b1", "world", "customer", 10),
      make_transfer("b2", "customer", "till", 1'000'000),  // insufficient funds
      make_transfer("done-before", "world", "customer", 100),  // replay
      make_transfer("b1", "world", "customer", 10),  // duplicate inside the batch: replay
      make_transfer("b4", "customer", "till", 110),
  };
  auto results = ledger.transfer_batch(batch);
  REQUIRE(results.size() == batch.size());
  CHECK(results[0].outcome == Outcome::created);
  CHECK(results[1].outcome == Outcome::insufficient_funds);
  CHECK(results[2].replayed);
  CHECK(results[3].replayed);
  CHECK(results[3].body == results[0].body);
  CHECK(results[4].outcome == Outcome::created);
  CHECK(ledger.find_account("till")->balance_minor == 110);
  CHECK(ledger.find_account("customer")->balance_minor == 0);
  CHECK(ledger.verify().ok());
}

TEST_CASE("accounts are validated, unique and listed in code order") {
  TempDir dir;
  Ledger ledger = open_with_accounts(dir.file("l.db"));
  CHECK_THROWS_AS(ledger.create_account({"till", "EUR", OverdraftRule::none, 0, ""}), Error);
  auto code_of = [&](const NewAccount& account) {
    try {
      ledger.create_account(account);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::internal;
  };
  CHECK(code_of({"till", "EUR", OverdraftRule::none, 0, ""}) == ErrorCode::already_exists);
  CHECK(code_of({"", "EUR", OverdraftRule::none, 0, ""}) == ErrorCode::invalid_argument);
  CHECK(code_of({"has space", "EUR", OverdraftRule::none, 0, ""}) == ErrorCode::invalid_argument);
  CHECK(code_of({"x", "EURO", OverdraftRule::none, 0, ""}) == ErrorCode::invalid_argument);
  CHECK(code_of({"x", "EUR", OverdraftRule::limit, -1, ""}) == ErrorCode::invalid_argument);
  CHECK(code_of({"x", "EUR", OverdraftRule::none, 5, ""}) == ErrorCode::invalid_argument);
  CHECK(code_of({"bad\xff", "EUR", OverdraftRule::none, 0, ""}) == ErrorCode::invalid_argument);
  auto yen = ledger.create_account({"kasse:東京", "JPY", OverdraftRule::none, 0, "Tokyo"});
  CHECK(yen.exponent == 0);
  auto accounts = ledger.list_accounts();
  REQUIRE(accounts.size() == 4);
  CHECK(accounts[0].code == "customer");
  CHECK(accounts[3].code == "world");
  CHECK(ledger.find_account("kasse:東京")->name == "Tokyo");
  CHECK_FALSE(ledger.find_account("nobody"));
}

TEST_CASE("SQL meta-characters in every field are data, not SQL") {
  TempDir dir;
  Ledger ledger = open_with_accounts(dir.file("l.db"));
  std::string evil = "x'); DROP TABLE journal; --";
  // Codes and principals allow no spaces.
  std::string evil_code = "x');DROP/**/TABLE/**/journal;--";
  ledger.create_account({evil_code, "EUR", OverdraftRule::unlimited, 0, evil});
  auto request = make_transfer(evil, evil_code, "till", 5, evil_code);
  request.memo = evil;
  CHECK(ledger.transfer(request).ok());
  CHECK(ledger.transfer(request).replayed);
  CHECK(ledger.find_key(evil_code, evil)->state == KeyState::completed);
  CHECK(ledger.journal().size() == 1);
  CHECK(ledger.verify().ok());
}
