// Goal: the engine side of fiscal integrity (SPEC 10): Ed25519 signing through OpenSSL,
// the clock guard, closings made exactly once and checked against the record, hold expiry
// recorded in the event chain, and audit archives checked without the ledger.
// Method: real ledgers on temporary files, a fake clock that jumps back, raw SQL where an
// attacker would use it.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <fstream>

#include "ledger/fiscal.h"
#include "test_support.h"

using namespace ledger;
using namespace ledger::testing;

namespace {

void raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  CAPTURE(message);
  REQUIRE(rc == SQLITE_OK);
}

bool has_kind(const VerifyReport& report, const std::string& kind, const std::string& where) {
  for (const auto& v : report.violations) {
    if (v.kind == kind && v.where == where) return true;
  }
  return false;
}

std::string describe(const VerifyReport& report) {
  std::string text;
  for (const auto& v : report.violations) text += v.kind + " @ " + v.where + ": " + v.detail + "\n";
  return text;
}

// "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx" in lowercase hex.
bool ok_uuid_v4(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (text[i] == '-')) return false;
    if (!dash && std::string_view("0123456789abcdef").find(text[i]) == std::string_view::npos) {
      return false;
    }
  }
  return text[14] == '4' && std::string_view("89ab").find(text[19]) != std::string_view::npos;
}

// A ledger with the test accounts whose clock the test moves.
Ledger open_on_clock(const std::string& path, const FakeClock& clock) {
  Options options;
  options.clock_ms = clock.function();
  return open_with_accounts(path, options);
}

CloseRequest close_request(const std::string& key, const SigningKeyPair& pair,
                           std::optional<std::int64_t> until = std::nullopt) {
  CloseRequest request;
  request.principal = "operator";
  request.key = key;
  request.until_ms = until;
  request.signing_key_pem = pair.private_pem;
  return request;
}

}  // namespace

TEST_CASE("signing keys sign and verify through OpenSSL, and name themselves by fingerprint") {
  const SigningKeyPair pair = generate_signing_key();
  CHECK(pair.private_pem.find("BEGIN PRIVATE KEY") != std::string::npos);
  CHECK(pair.public_pem.find("BEGIN PUBLIC KEY") != std::string::npos);
  CHECK(pair.fingerprint_hex.size() == 64);
  CHECK(signing_key_fingerprint(pair.private_pem) == pair.fingerprint_hex);
  CHECK(signing_key_fingerprint(pair.public_pem) == pair.fingerprint_hex);
  CHECK(generate_signing_key().fingerprint_hex != pair.fingerprint_hex);
  CHECK_THROWS_AS((void)signing_key_fingerprint("not a key"), Error);
  // The pair of an existing private key is the pair it was generated in; a public key or
  // anything else is not a private key.
  const SigningKeyPair again = signing_key_pair(pair.private_pem);
  CHECK(again.private_pem == pair.private_pem);
  CHECK(again.public_pem == pair.public_pem);
  CHECK(again.fingerprint_hex == pair.fingerprint_hex);
  CHECK_THROWS_AS((void)signing_key_pair(pair.public_pem), Error);
  CHECK_THROWS_AS((void)signing_key_pair("not a key"), Error);
}

TEST_CASE("a clock that jumps back never makes a journal row earlier than the one before") {
  TempDir dir;
  FakeClock clock;
  const auto path = dir.file("clock.db");
  Ledger ledger = open_on_clock(path, clock);
  REQUIRE(ledger.transfer(make_transfer("t1", "world", "till", 100)).ok());
  const std::int64_t first = clock.now_ms->load();
  *clock.now_ms -= 5000;  // NTP stepped the clock back 5 s
  const TransferResult second = ledger.transfer(make_transfer("t2", "world", "till", 100));
  REQUIRE(second.ok());
  const auto rows = ledger.journal(1, 10);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].clock_behind_ms == 0);
  CHECK(rows[1].created_at_ms == first);
  CHECK(rows[1].clock_behind_ms == 5000);
  CHECK(second.body.find("\"created_at\":" + std::to_string(first)) != std::string::npos);
  *clock.now_ms += 10'000;
  REQUIRE(ledger.transfer(make_transfer("t3", "world", "till", 100)).ok());
  CHECK(ledger.journal(3, 1).at(0).clock_behind_ms == 0);
  CHECK(ledger.verify().ok());
  // The flag is chained: hiding the jump breaks the chain at that row.
  raw_sql(path, "DROP TRIGGER journal_no_update; UPDATE journal SET clock_behind_ms = 0 WHERE seq = 2");
  const VerifyReport report = ledger.verify();
  CAPTURE(describe(report));
  CHECK(has_kind(report, "hash_chain", "journal seq 2"));
}

TEST_CASE("a closing is made once per key, seals its period and is checked against the record") {
  TempDir dir;
  FakeClock clock;
  const auto path = dir.file("close.db");
  Ledger ledger = open_on_clock(path, clock);
  const SigningKeyPair pair = generate_signing_key();
  REQUIRE(ledger.transfer(make_transfer("fund", "world", "customer", 10'000)).ok());
  REQUIRE(ledger.transfer(make_transfer("sale", "customer", "till", 1234)).ok());
  clock.advance_seconds(60);
  const TransferResult first = ledger.close(close_request("day-1", pair));
  REQUIRE(first.outcome == Outcome::created);
  const TransferResult replay = ledger.close(close_request("day-1", pair));
  CHECK(replay.replayed);
  CHECK(replay.body == first.body);
  CHECK(ledger.close(close_request("day-1", pair, 1)).outcome ==
        Outcome::key_reused_with_different_request);
  REQUIRE(ledger.closings().size() == 1);
  const Closing closing = ledger.closings().front();
  CHECK(closing.first_sequence == 1);
  CHECK(closing.last_sequence == 2);
  CHECK(closing.key_fingerprint_hex == pair.fingerprint_hex);
  CHECK(first.body.find(closing.signature_hex) != std::string::npos);
  CHECK_THROWS_AS((void)ledger.close(close_request("early", pair, closing.until_ms - 1)), Error);
  CHECK_THROWS_AS((void)ledger.close(close_request("future", pair, clock.now_ms->load() + 1)),
                  Error);
  CHECK(ledger.close(close_request("bad-key", {"x", "y", "z"})).outcome == Outcome::invalid_request);

  VerifyOptions with_key;
  with_key.public_key_pem = pair.public_pem;
  VerifyReport report = ledger.verify(with_key);
  CAPTURE(describe(report));
  CHECK(report.ok());
  CHECK(report.signatures_checked == 1);
  VerifyOptions other_key;
  other_key.public_key_pem = generate_signing_key().public_pem;
  CHECK(has_kind(ledger.verify(other_key), "closing_signature", "closing 1"));

  // A second closing starts where the first ended, even with no rows in its period.
  clock.advance_seconds(60);
  REQUIRE(ledger.close(close_request("day-2", pair)).outcome == Outcome::created);
  CHECK(ledger.find_closing(2)->first_sequence == 3);
  CHECK(ledger.find_closing(2)->last_sequence == 2);
  CHECK(ledger.verify(with_key).ok());

  // Removing the last closing leaves its key's stored outcome naming it; removing an
  // earlier one breaks the closing chain too.
  raw_sql(path, "DROP TRIGGER closings_no_delete; DELETE FROM closings WHERE number = 2");
  report = ledger.verify(with_key);
  CAPTURE(describe(report));
  CHECK(has_kind(report, "stored_response", "outcome seq 4"));
  raw_sql(path, "DELETE FROM closings WHERE number = 1");
  report = ledger.verify(with_key);
  CAPTURE(describe(report));
  CHECK(has_kind(report, "stored_response", "outcome seq 3"));
}

TEST_CASE("a hold released by its timeout is an event, and a hold marked expired without one is not") {
  TempDir dir;
  FakeClock clock;
  const auto path = dir.file("holds.db");
  Ledger ledger = open_on_clock(path, clock);
  REQUIRE(ledger.transfer(make_transfer("fund", "world", "customer", 10'000)).ok());
  ReserveRequest hold;
  hold.principal = "pump:1";
  hold.debit_account = "customer";
  hold.credit_account = "till";
  hold.amount_minor = 500;
  hold.currency = "EUR";
  hold.timeout_seconds = 60;
  hold.key = "h1";
  REQUIRE(ledger.reserve(hold).ok());
  hold.key = "h2";
  REQUIRE(ledger.reserve(hold).ok());
  clock.advance_seconds(61);
  CHECK(ledger.expire_pending() == 2);
  VerifyReport report = ledger.verify();
  CAPTURE(describe(report));
  CHECK(report.ok());
  CHECK(report.events_checked == 5);  // three accounts, two expiries
  hold.key = "h3";
  REQUIRE(ledger.reserve(hold).ok());
  raw_sql(path, "UPDATE pending_transfers SET state = 'expired' WHERE seq = 4; "
                "UPDATE accounts SET pending = 0 WHERE code = 'customer'");
  report = ledger.verify();
  CAPTURE(describe(report));
  CHECK(has_kind(report, "pending_record", "journal seq 4"));
}

TEST_CASE("an audit archive is checked with nothing but itself and the public key") {
  TempDir dir;
  const auto path = dir.file("audit.db");
  Ledger ledger = open_with_accounts(path);
  const SigningKeyPair pair = generate_signing_key();
  REQUIRE(ledger.transfer(make_transfer("fund", "world", "customer", 10'000)).ok());
  REQUIRE(ledger.transfer(make_transfer("broke", "customer", "till", 99'999)).outcome ==
          Outcome::insufficient_funds);
  REQUIRE(ledger.close(close_request("day-1", pair)).ok());
  REQUIRE(ledger.transfer(make_transfer("late", "customer", "till", 5)).ok());
  const auto archive = dir.file("shop.audit");
  ledger.export_audit(archive, pair.private_pem);
  CHECK_THROWS_AS(ledger.export_audit(archive), Error);  // never overwritten
  VerifyReport report = verify_audit_archive(archive, pair.public_pem);
  CAPTURE(describe(report));
  CHECK(report.ok());
  CHECK(report.journal_rows_checked == 2);
  CHECK(report.outcomes_checked == 4);
  CHECK(report.signatures_checked == 1);
  CHECK_FALSE(verify_audit_archive(archive, generate_signing_key().public_pem).ok());
  // An unsigned archive still checks its bytes against its manifest.
  const auto unsigned_archive = dir.file("unsigned.audit");
  ledger.export_audit(unsigned_archive);
  CHECK(verify_audit_archive(unsigned_archive, pair.public_pem).ok());
  std::string bytes = file_bytes(unsigned_archive);
  const auto at = bytes.find("\"memo\":\"sale\"");
  REQUIRE(at != std::string::npos);
  bytes.replace(at, 13, "\"memo\":\"SALE\"");
  std::ofstream(unsigned_archive, std::ios::binary | std::ios::trunc) << bytes;
  report = verify_audit_archive(unsigned_archive, pair.public_pem);
  CAPTURE(describe(report));
  CHECK(has_kind(report, "archive_manifest", "archive manifest"));
  CHECK(has_kind(report, "hash_chain", "journal seq 1"));
}

TEST_CASE("a change of any single byte of an audit archive is reported") {
  // Goal: SPEC 10's "tampering with any byte of the archive is reported", for every byte.
  // Method: a small ledger with a closing, its signed archive, and each byte in turn
  // changed in a copy: audit verify must fail on every one.
  TempDir dir;
  Ledger ledger = open_with_accounts(dir.file("bytes.db"));
  const SigningKeyPair pair = generate_signing_key();
  REQUIRE(ledger.transfer(make_transfer("fund", "world", "customer", 500)).ok());
  REQUIRE(ledger.close(close_request("day-1", pair)).ok());
  const auto archive = dir.file("bytes.audit");
  ledger.export_audit(archive, pair.private_pem);
  const std::string bytes = file_bytes(archive);
  REQUIRE(verify_audit_archive(archive, pair.public_pem).ok());
  const auto changed_path = dir.file("changed.audit");
  std::size_t unreported = 0;
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    std::string changed = bytes;
    changed[at] = changed[at] == '\n' ? ' ' : static_cast<char>(changed[at] ^ 0x01);
    std::ofstream(changed_path, std::ios::binary | std::ios::trunc) << changed;
    if (verify_audit_archive(changed_path, pair.public_pem).ok()) {
      ++unreported;
      CAPTURE(at);
      CHECK(false);
    }
  }
  CHECK(unreported == 0);
  CHECK(bytes.size() > 3000);
}

TEST_CASE("each ledger has its own stable random id, named by stats and by its closings") {
  TempDir dir;
  const auto path = dir.file("id.db");
  std::string id;
  {
    Ledger ledger = open_with_accounts(path);
    id = ledger.stats().ledger_id;
    REQUIRE(ok_uuid_v4(id));
    REQUIRE(ledger.close(close_request("day-1", generate_signing_key())).ok());
    CHECK(ledger.closings().at(0).document.find("\"ledger_id\":\"" + id + "\"") !=
          std::string::npos);
  }
  CHECK(Ledger::open(path).stats().ledger_id == id);
  const std::string other = Ledger::open(dir.file("other.db")).stats().ledger_id;
  CHECK(ok_uuid_v4(other));
  CHECK(other != id);
}
