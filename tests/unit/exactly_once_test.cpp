// Goal: every point of SPEC 4 (idempotency semantics) holds through the public API.
// Method: a fake clock makes expiry testable without sleeping; each subcase checks both
// the outcome and what was (not) stored: balances, journal rows and the key record.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <functional>
#include <set>

#include "test_support.h"

using namespace ledger;
using namespace ledger::testing;

namespace {

struct Fixture {
  TempDir dir;
  FakeClock clock;
  Options options;
  Ledger ledger;
  explicit Fixture(bool allow_client_keys = true)
      : options(make_options(clock, allow_client_keys)),
        ledger(open_with_accounts(dir.file("l.db"), options)) {
    std::string key = allow_client_keys ? "fund" : ledger.issue_key("till:1", "transfer").key;
    REQUIRE(ledger.transfer(make_transfer(key, "world", "customer", 10'000)).ok());
  }
  static Options make_options(const FakeClock& clock, bool allow_client_keys) {
    Options options;
    options.clock_ms = clock.function();
    options.allow_client_keys = allow_client_keys;
    return options;
  }
  std::int64_t balance(const std::string& code) { return ledger.find_account(code)->balance_minor; }
  std::size_t journal_rows() { return ledger.journal(1, 1'000'000).size(); }
};

}  // namespace

TEST_CASE("issued keys are random, bound to principal, operation and TTL") {
  Fixture f;
  std::set<std::string> keys;
  for (int i = 0; i < 200; ++i) keys.insert(f.ledger.issue_key("till:1", "transfer").key);
  CHECK(keys.size() == 200);
  auto issued = f.ledger.issue_key("till:1", "transfer", 60);
  CHECK(issued.key.size() >= 32 + 12);  // 128 random bits in hex after a time prefix
  CHECK(issued.issued);
  CHECK(issued.state == KeyState::issued);
  CHECK(issued.operation == "transfer");
  REQUIRE(issued.expires_at_ms);
  CHECK(*issued.expires_at_ms == issued.created_at_ms + 60'000);
  CHECK_THROWS_AS(f.ledger.issue_key("till:1", "teleport"), Error);
  CHECK_THROWS_AS(f.ledger.issue_key("", "transfer"), Error);
  CHECK_THROWS_AS(f.ledger.issue_key("till:1", "transfer", 0), Error);
}

TEST_CASE("an issued key executes once and then replays") {
  Fixture f;
  auto key = f.ledger.issue_key("till:1", "transfer").key;
  auto first = f.ledger.transfer(make_transfer(key, "customer", "till", 250));
  REQUIRE(first.outcome == Outcome::created);
  auto second = f.ledger.transfer(make_transfer(key, "customer", "till", 250));
  CHECK(second.replayed);
  CHECK(second.body == first.body);
  CHECK(f.balance("till") == 250);
  auto record = f.ledger.find_key("till:1", key);
  REQUIRE(record);
  CHECK(record->state == KeyState::completed);
  CHECK(record->result == "created");
  CHECK(record->response == first.body);
  CHECK(record->transfer_sequence == first.sequence);
}

TEST_CASE("keys are scoped by principal") {
  Fixture f;
  auto key = f.ledger.issue_key("till:1", "transfer").key;
  REQUIRE(f.ledger.transfer(make_transfer(key, "customer", "till", 100, "till:1")).ok());
  SUBCASE("another principal cannot see the key") {
    CHECK_FALSE(f.ledger.find_key("till:2", key));
    KeyFilter filter;
    filter.principal = "till:2";
    for (const auto& record : f.ledger.list_keys(filter)) {
      CHECK(record.key != key);
    }
  }
  SUBCASE("with issued keys only, another principal presenting the key is refused") {
    Fixture strict(false);
    auto strict_key = strict.ledger.issue_key("till:1", "transfer").key;
    REQUIRE(strict.ledger.transfer(make_transfer(strict_key, "customer", "till", 100)).ok());
    auto stolen = strict.ledger.transfer(make_transfer(strict_key, "customer", "till", 100, "till:2"));
    CHECK(stolen.outcome == Outcome::key_unknown);
    CHECK_FALSE(stolen.replayed);
    CHECK(stolen.body.find("\"sequence\"") == std::string::npos);  // no stored response leaked
    CHECK(strict.balance("till") == 100);
  }
  SUBCASE("with client keys, the same text under another principal is a different key") {
    auto other = f.ledger.transfer(make_transfer(key, "customer", "till", 100, "till:2"));
    CHECK(other.outcome == Outcome::created);
    CHECK_FALSE(other.replayed);
    CHECK(f.balance("till") == 200);
  }
}

TEST_CASE("client-supplied keys are recorded on first use, or refused by policy") {
  SUBCASE("allowed") {
    Fixture f;
    auto result = f.ledger.transfer(make_transfer("0190c6f2-uuid-from-client", "customer", "till", 7));
    CHECK(result.ok());
    auto record = f.ledger.find_key("till:1", "0190c6f2-uuid-from-client");
    REQUIRE(record);
    CHECK_FALSE(record->issued);
  }
  SUBCASE("forbidden") {
    Fixture f(false);
    auto result = f.ledger.transfer(make_transfer("made-up", "customer", "till", 7));
    CHECK(result.outcome == Outcome::key_unknown);
    CHECK(outcome_class(result.outcome) == OutcomeClass::conflict);
    CHECK_FALSE(f.ledger.find_key("till:1", "made-up"));
    CHECK(f.balance("till") == 0);
  }
}

TEST_CASE("a key issued for another operation is refused") {
  // A key issued for an operation this build does not know ("refund"), stored by hand as
  // a later version of issue_key would store it: a transfer must not use it either.
  Fixture f;
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(f.dir.file("l.db").c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw,
                       "INSERT INTO idempotency_keys (principal, idem_key, operation, issued, "
                       "state, created_at, expires_at) VALUES ('till:1', 'refund-key', 'refund', "
                       "1, 'issued', 0, 9000000000000)",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  auto result = f.ledger.transfer(make_transfer("refund-key", "customer", "till", 5));
  CHECK(result.outcome == Outcome::key_operation_mismatch);
  CHECK(result.message.find("refund") != std::string::npos);
  CHECK(f.ledger.find_key("till:1", "refund-key")->state == KeyState::issued);
  CHECK(f.balance("till") == 0);
}

// Whether the key's record keeps its own copy of the request (a transfer that moved money
// does not: conflict messages rebuild it from the journal row).
bool stores_request(const std::string& path, const std::string& key) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* query = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "SELECT request IS NOT NULL FROM idempotency_keys WHERE idem_key = ?",
                             -1, &query, nullptr) == SQLITE_OK);
  sqlite3_bind_text(query, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(query) == SQLITE_ROW);
  bool stored = sqlite3_column_int(query, 0) != 0;
  sqlite3_finalize(query);
  sqlite3_close(raw);
  return stored;
}

TEST_CASE("a reused key with a different request is refused, naming the first differing field") {
  Fixture f;
  // One key that moved money and one stored rejection (the till holds only 300).
  auto created = make_transfer("k", "customer", "till", 300);
  auto refused = make_transfer("r", "till", "customer", 500);
  REQUIRE(f.ledger.transfer(created).ok());
  REQUIRE(f.ledger.transfer(refused).outcome == Outcome::insufficient_funds);
  CHECK_FALSE(stores_request(f.dir.file("l.db"), "k"));
  CHECK(stores_request(f.dir.file("l.db"), "r"));
  struct Change { const char* field; std::function<void(TransferRequest&)> apply; };
  const Change changes[] = {
      {"debit_account", [](TransferRequest& r) { r.debit_account = "world"; }},
      {"credit_account", [](TransferRequest& r) { r.credit_account = "world"; }},
      {"amount", [](TransferRequest& r) { r.amount_minor = 301; }},
      {"currency", [](TransferRequest& r) { r.currency = "USD"; }},
      {"memo", [](TransferRequest& r) { r.memo = "different"; }},
      {"amount", [](TransferRequest& r) { r.amount_minor = 1; r.memo = "x"; }},
  };
  for (const auto& original : {created, refused}) {
    for (const auto& change : changes) {
      CAPTURE(original.key);
      CAPTURE(change.field);
      auto request = original;
      change.apply(request);
      auto result = f.ledger.transfer(request);
      CHECK(result.outcome == Outcome::key_reused_with_different_request);
      CHECK(result.differing_field == change.field);
      CHECK(result.message.find(change.field) != std::string::npos);
    }
    CHECK(f.ledger.transfer(original).replayed);
  }
  CHECK(f.balance("till") == 300);
  CHECK(f.journal_rows() == 2);
}

TEST_CASE("business rejections are stored and replayed, and a new attempt needs a new key") {
  Fixture f;
  auto broke = make_transfer("big", "customer", "till", 1'000'000);
  auto first = f.ledger.transfer(broke);
  CHECK(first.outcome == Outcome::insufficient_funds);
  CHECK(outcome_class(first.outcome) == OutcomeClass::rejected);
  auto replay = f.ledger.transfer(broke);
  CHECK(replay.outcome == Outcome::insufficient_funds);
  CHECK(replay.replayed);
  CHECK(replay.body == first.body);
  // Even after the customer has money, the same key still replays the rejection.
  REQUIRE(f.ledger.transfer(make_transfer("topup", "world", "customer", 2'000'000)).ok());
  CHECK(f.ledger.transfer(broke).body == first.body);
  CHECK(f.ledger.transfer(make_transfer("big-2", "customer", "till", 1'000'000)).ok());
  SUBCASE("each kind of rejection is stored") {
    auto unknown_from = f.ledger.transfer(make_transfer("u1", "ghost", "till", 1));
    CHECK(unknown_from.outcome == Outcome::debit_account_not_found);
    auto unknown_to = f.ledger.transfer(make_transfer("u2", "customer", "ghost", 1));
    CHECK(unknown_to.outcome == Outcome::credit_account_not_found);
    f.ledger.create_account({"usd-till", "USD", OverdraftRule::none, 0, ""});
    auto mismatch = f.ledger.transfer(make_transfer("u3", "customer", "usd-till", 1));
    CHECK(mismatch.outcome == Outcome::currency_mismatch);
    for (const char* key : {"u1", "u2", "u3"}) {
      auto record = f.ledger.find_key("till:1", key);
      REQUIRE(record);
      CHECK(record->state == KeyState::completed);
      CHECK_FALSE(record->transfer_sequence);
    }
  }
}

TEST_CASE("malformed requests are not stored and the key stays usable") {
  Fixture f;
  auto bad = make_transfer("fresh", "customer", "till", 0);
  CHECK(f.ledger.transfer(bad).outcome == Outcome::invalid_request);
  CHECK_FALSE(f.ledger.find_key("till:1", "fresh"));
  bad.amount_minor = 5;
  CHECK(f.ledger.transfer(bad).ok());
  SUBCASE("every malformed field") {
    auto base = make_transfer("m", "customer", "till", 5);
    std::vector<TransferRequest> requests(9, base);
    requests[0].key = "";
    requests[1].key = std::string(256, 'k');
    requests[2].key = "tab\tkey";
    requests[3].principal = "";
    requests[4].debit_account = "";
    requests[5].credit_account = "customer";
    requests[6].amount_minor = -5;
    requests[7].currency = "EURO";
    requests[8].memo = std::string(5000, 'm');
    for (const auto& request : requests) {
      auto result = f.ledger.transfer(request);
      CHECK(result.outcome == Outcome::invalid_request);
      CHECK(nlohmann::json::parse(result.body)["status"] == "invalid");
    }
    CHECK_FALSE(f.ledger.find_key("till:1", "m"));
  }
}

TEST_CASE("an unused issued key expires after its TTL and purge leaves a tombstone") {
  Fixture f;
  auto key = f.ledger.issue_key("till:1", "transfer", 60).key;
  f.clock.advance_seconds(61);
  CHECK(f.ledger.find_key("till:1", key)->state == KeyState::expired);
  auto late = f.ledger.transfer(make_transfer(key, "customer", "till", 5));
  CHECK(late.outcome == Outcome::key_expired);
  CHECK(f.balance("till") == 0);
  auto report = f.ledger.purge_keys();
  CHECK(report.expired_issued_keys == 1);
  CHECK(f.ledger.transfer(make_transfer(key, "customer", "till", 5)).outcome == Outcome::key_expired);
}

TEST_CASE("purge turns old rejections into tombstones and never touches keys that moved money") {
  Fixture f;
  REQUIRE(f.ledger.transfer(make_transfer("sale", "customer", "till", 5)).ok());
  auto rejected = f.ledger.transfer(make_transfer("no-money", "customer", "till", 99'999'999));
  REQUIRE(rejected.outcome == Outcome::insufficient_funds);
  f.clock.advance_seconds(3600);
  CHECK(f.ledger.stats().pending_purge == 0);
  CHECK(f.ledger.purge_keys().purged_rejections == 0);  // default retention is 24 h
  f.clock.advance_seconds(24 * 3600);
  CHECK(f.ledger.stats().pending_purge == 1);
  auto report = f.ledger.purge_keys();
  CHECK(report.purged_rejections == 1);
  auto tombstone = f.ledger.transfer(make_transfer("no-money", "customer", "till", 99'999'999));
  CHECK(tombstone.outcome == Outcome::key_expired);
  // The key that moved money replays forever, even years later and after any purge.
  f.clock.advance_seconds(5LL * 365 * 24 * 3600);
  CHECK(f.ledger.purge_keys(0).purged_rejections == 0);
  auto sale = f.ledger.transfer(make_transfer("sale", "customer", "till", 5));
  CHECK(sale.replayed);
  CHECK(f.balance("till") == 5);
  CHECK(f.ledger.verify().ok());
}

TEST_CASE("a transient failure stores nothing and the same key then succeeds") {
  TempDir dir;
  Options options;
  options.busy_timeout_ms = 50;
  Ledger ledger = open_with_accounts(dir.file("l.db"), options);
  REQUIRE(ledger.transfer(make_transfer("fund", "world", "customer", 1000)).ok());
  // A second connection holds the write lock past the busy timeout.
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(dir.file("l.db").c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  try {
    (void)ledger.transfer(make_transfer("sale", "customer", "till", 10));
    FAIL("expected busy");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::busy);
    CHECK(e.transient());
    CHECK(std::string(e.what()).find("retry with the same key") != std::string::npos);
  }
  sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(raw);
  CHECK_FALSE(ledger.find_key("till:1", "sale"));
  CHECK(ledger.transfer(make_transfer("sale", "customer", "till", 10)).ok());
  CHECK(ledger.find_account("till")->balance_minor == 10);
}
