// Goal: verify catches every kind of violation of SPEC 5 and 6, at the row where it starts.
// Method: build a healthy ledger, copy it, corrupt the copy by hand with raw SQL (dropping
// the append-only triggers first, as an attacker with file access would), and check the
// reported kind and row.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <filesystem>

#include "test_support.h"

using namespace ledger;
using namespace ledger::testing;

namespace {

// A healthy ledger with 10 transfers (seq 1..10) and a stored rejection.
std::string healthy_ledger(const TempDir& dir) {
  auto path = dir.file("healthy.db");
  Ledger ledger = open_with_accounts(path);
  REQUIRE(ledger.transfer(make_transfer("fund", "world", "customer", 10'000)).ok());
  for (int i = 2; i <= 10; ++i) {
    REQUIRE(ledger.transfer(make_transfer("sale-" + std::to_string(i), "customer", "till", i)).ok());
  }
  REQUIRE(ledger.transfer(make_transfer("broke", "customer", "till", 999'999)).outcome ==
          Outcome::insufficient_funds);
  REQUIRE(ledger.verify().ok());
  return path;
}

// Copies the healthy ledger, applies `sql` to the copy with a raw connection.
std::string corrupted_copy(const TempDir& dir, const std::string& healthy, const std::string& sql) {
  static int counter = 0;
  auto path = dir.file("corrupt-" + std::to_string(++counter) + ".db");
  {
    Ledger source = Ledger::open(healthy);
    source.backup(path);
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  std::string script = "DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete; "
                       "PRAGMA foreign_keys = OFF; PRAGMA ignore_check_constraints = ON; " + sql;
  char* error = nullptr;
  int rc = sqlite3_exec(db, script.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  CAPTURE(message);
  sqlite3_free(error);
  REQUIRE(rc == SQLITE_OK);
  sqlite3_close(db);
  return path;
}

bool has_violation(const VerifyReport& report, const std::string& kind, const std::string& where) {
  for (const auto& violation : report.violations) {
    if (violation.kind == kind && violation.where == where) return true;
  }
  return false;
}

std::string describe(const VerifyReport& report) {
  std::string text;
  for (const auto& v : report.violations) text += v.kind + " @ " + v.where + ": " + v.detail + "\n";
  return text;
}

}  // namespace

TEST_CASE("verify reports each kind of hand-made corruption where it starts") {
  TempDir dir;
  auto healthy = healthy_ledger(dir);
  struct Case { const char* name; std::string sql; const char* kind; const char* where; };
  const Case cases[] = {
      {"balance edited", "UPDATE accounts SET balance = balance + 1 WHERE code = 'till'",
       "balance", "account till"},
      {"balance edited breaks zero sum",
       "UPDATE accounts SET balance = balance + 1 WHERE code = 'till'", "zero_sum", "currency EUR"},
      {"amount of a row edited", "UPDATE journal SET amount = amount + 100 WHERE seq = 4",
       "hash_chain", "journal seq 4"},
      {"memo of a row edited", "UPDATE journal SET memo = 'refund' WHERE seq = 7", "hash_chain",
       "journal seq 7"},
      {"row deleted", "DELETE FROM journal WHERE seq = 5; UPDATE idempotency_keys SET "
       "transfer_seq = NULL, result = 'insufficient_funds' WHERE transfer_seq = 5",
       "sequence_gap", "journal seq 6"},
      {"key deleted", "DELETE FROM idempotency_keys WHERE idem_key = 'sale-3'",
       "transfer_without_key", "journal seq 3"},
      {"key detached from its transfer",
       "UPDATE idempotency_keys SET transfer_seq = NULL WHERE idem_key = 'sale-8'",
       "key_without_transfer", "key (till:1, sale-8)"},
      {"key pointing at another key's row",
       "UPDATE idempotency_keys SET transfer_seq = NULL WHERE idem_key = 'sale-9'; "
       "UPDATE idempotency_keys SET transfer_seq = 9 WHERE idem_key = 'broke'",
       "key_without_transfer", "key (till:1, broke)"},
      // Schema 3 has no UNIQUE index on transfer_seq: verify is what notices a shared row.
      {"two keys claiming one journal row",
       "UPDATE idempotency_keys SET transfer_seq = 9, result = 'created' WHERE idem_key = 'sale-8'",
       "key_without_transfer", "key (till:1, sale-8)"},
      // Replays trust a matching fingerprint: only a completed key may carry one.
      {"stored rejection expired but kept its fingerprint",
       "UPDATE idempotency_keys SET state = 'expired' WHERE idem_key = 'broke'", "key_state",
       "key (till:1, broke)"},
      {"overdraft broken with consistent journal",
       "UPDATE accounts SET overdraft = 'none' WHERE code = 'world'", "overdraft",
       "account world"},
      {"row appended without a key",
       "INSERT INTO journal SELECT seq + 1, kind, debit_account, credit_account, amount, "
       "currency, memo, principal, 'ghost', created_at, ref_seq, hash, clock_behind_ms FROM journal "
       "WHERE seq = 10",
       "transfer_without_key", "journal seq 11"},
  };
  for (const auto& c : cases) {
    std::string name = c.name;
    CAPTURE(name);
    auto report = Ledger::open(corrupted_copy(dir, healthy, c.sql)).verify();
    CAPTURE(describe(report));
    CHECK_FALSE(report.ok());
    CHECK(has_violation(report, c.kind, c.where));
  }
}

TEST_CASE("the hash chain names the first altered row, even when later rows are intact") {
  TempDir dir;
  auto healthy = healthy_ledger(dir);
  auto path = corrupted_copy(dir, healthy,
                             "UPDATE journal SET created_at = created_at + 1 WHERE seq = 2;"
                             "UPDATE journal SET created_at = created_at + 1 WHERE seq = 9;");
  auto report = Ledger::open(path).verify();
  CAPTURE(describe(report));
  REQUIRE(report.violations.size() == 1);
  CHECK(report.violations[0].where == "journal seq 2");
}

TEST_CASE("a healthy ledger verifies with counts of what was checked") {
  TempDir dir;
  auto report = Ledger::open(healthy_ledger(dir)).verify();
  CHECK(report.ok());
  CHECK(report.accounts_checked == 3);
  CHECK(report.journal_rows_checked == 10);
  CHECK(report.keys_checked == 11);
}

TEST_CASE("the journal is append-only inside the database itself") {
  TempDir dir;
  auto path = healthy_ledger(dir);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "UPDATE journal SET amount = 1 WHERE seq = 1", nullptr, nullptr, nullptr) ==
        SQLITE_CONSTRAINT);
  CHECK(sqlite3_exec(db, "DELETE FROM journal WHERE seq = 1", nullptr, nullptr, nullptr) ==
        SQLITE_CONSTRAINT);
  sqlite3_close(db);
  CHECK(Ledger::open(path).verify().ok());
}

TEST_CASE("the journal export chains each row to the previous hash") {
  TempDir dir;
  Ledger ledger = Ledger::open(healthy_ledger(dir));
  auto all = ledger.journal(1, 100);
  REQUIRE(all.size() == 10);
  for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i].prev_hash_hex == all[i - 1].hash_hex);
  auto tail = ledger.journal(5, 2);
  REQUIRE(tail.size() == 2);
  CHECK(tail[0].sequence == 5);
  CHECK(tail[0].prev_hash_hex == all[3].hash_hex);
  CHECK(tail[1].debit_account == "customer");
  CHECK(tail[1].amount_minor == 6);
}

TEST_CASE("verify checks pending holds against their reserve, post and void rows") {
  TempDir dir;
  auto path = dir.file("holds.db");
  {
    Ledger ledger = open_with_accounts(path);
    REQUIRE(ledger.transfer(make_transfer("fund", "world", "customer", 10'000)).ok());
    REQUIRE(ledger.reserve({"till:1", "r1", "customer", "till", 1000, "EUR", "", 600}).ok());  // 2
    REQUIRE(ledger.reserve({"till:1", "r2", "customer", "till", 2000, "EUR", "", 600}).ok());  // 3
    REQUIRE(ledger.post({"till:1", "p2", 3, 1500, ""}).ok());                                 // 4
    REQUIRE(ledger.verify().ok());
  }
  struct Case { const char* name; const char* sql; const char* kind; const char* where; };
  const Case cases[] = {
      {"held amount edited", "UPDATE accounts SET pending = 0 WHERE code = 'customer'",
       "pending_holds", "account customer"},
      {"posted hold reopened", "UPDATE pending_transfers SET state = 'pending' WHERE seq = 3",
       "pending_record", "journal seq 3"},
      {"open hold marked voided without a void row",
       "UPDATE pending_transfers SET state = 'voided' WHERE seq = 2", "pending_record",
       "journal seq 2"},
      {"hold record deleted", "DELETE FROM pending_transfers WHERE seq = 2", "pending_record",
       "journal seq 2"},
  };
  for (const auto& c : cases) {
    std::string name = c.name;
    CAPTURE(name);
    auto report = Ledger::open(corrupted_copy(dir, path, c.sql)).verify();
    CAPTURE(describe(report));
    CHECK(has_violation(report, c.kind, c.where));
  }
}
