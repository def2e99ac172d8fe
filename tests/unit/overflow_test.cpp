// Goal: every sum the engine keeps (posted balances, held amounts) is checked against the
// int64 range, and an operation that would pass it is a stored balance_overflow, replayed
// on retry, never an internal error and never a wrong outcome such as insufficient_funds.
// Method: unlimited accounts in JPY (exponent 0) pushed to the int64 limits with real
// transfers and reserves; each refusal is retried with the same key and must replay.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "test_support.h"

using namespace ledger;
using namespace ledger::testing;

namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

struct Yen {
  TempDir dir;
  Ledger ledger = Ledger::open(dir.file("yen.db"));
  Yen() {
    ledger.create_account({"world", "JPY", OverdraftRule::unlimited, 0, ""});
    ledger.create_account({"shop", "JPY", OverdraftRule::none, 0, ""});
    ledger.create_account({"bank", "JPY", OverdraftRule::unlimited, 0, ""});
  }
  TransferResult transfer(const std::string& key, const std::string& from,
                          const std::string& to, std::int64_t amount) {
    return ledger.transfer({"p", key, from, to, amount, "JPY", ""});
  }
  TransferResult reserve(const std::string& key, std::int64_t amount) {
    return ledger.reserve({"p", key, "world", "shop", amount, "JPY", "", 600});
  }
};

}  // namespace

TEST_CASE("a reserve that would pass the largest held sum is a stored balance_overflow") {
  Yen yen;
  REQUIRE(yen.reserve("r1", kMax).ok());
  TransferResult second = yen.reserve("r2", 1);
  CHECK(second.outcome == Outcome::balance_overflow);
  CHECK(second.message.find("held amount") != std::string::npos);
  CHECK(yen.ledger.find_account("world")->pending_minor == kMax);
  TransferResult retry = yen.reserve("r2", 1);
  CHECK(retry.replayed);
  CHECK(retry.outcome == Outcome::balance_overflow);
  CHECK(retry.body == second.body);
  CHECK(yen.ledger.verify().ok());
}

TEST_CASE("an unlimited account at the int64 floor is refused with balance_overflow") {
  Yen yen;
  REQUIRE(yen.transfer("t1", "world", "shop", kMax).ok());
  REQUIRE(yen.transfer("t2", "world", "bank", 1).ok());
  CHECK(yen.ledger.find_account("world")->balance_minor == kMin);
  TransferResult third = yen.transfer("t3", "world", "bank", 1);
  CHECK(third.outcome == Outcome::balance_overflow);
  CHECK(third.message.find("cannot go lower") != std::string::npos);
  CHECK(yen.transfer("t3", "world", "bank", 1).body == third.body);
  CHECK(yen.ledger.find_key("p", "t3")->result == "balance_overflow");
  SUBCASE("a reserve at the floor too") {
    CHECK(yen.reserve("r", 1).outcome == Outcome::balance_overflow);
  }
  CHECK(yen.ledger.verify().ok());
}

TEST_CASE("a credit past the largest balance names the credit account") {
  Yen yen;
  REQUIRE(yen.transfer("t1", "world", "bank", kMax).ok());
  TransferResult more = yen.transfer("t2", "world", "bank", 1);
  CHECK(more.outcome == Outcome::balance_overflow);
  CHECK(more.message.find("'bank' cannot hold more") != std::string::npos);
}

TEST_CASE("an account with a limit past the floor is still refused as insufficient_funds") {
  Yen yen;
  yen.ledger.create_account({"credit-line", "JPY", OverdraftRule::limit, kMax, ""});
  REQUIRE(yen.transfer("t1", "credit-line", "bank", kMax).ok());
  CHECK(yen.transfer("t2", "credit-line", "bank", 1).outcome == Outcome::insufficient_funds);
}
