// Goal: opening creates a private WAL ledger with the schema, and refuses anything that is
// not a ledger this build can use, without changing the refused file.
// Method: open real files (new, foreign, newer, corrupt, text, directory) and compare the
// files' bytes before and after a refused open.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "ledger/version.h"
#include "migrations.h"
#include "test_support.h"
#include "version_1_ledger.h"

using namespace ledger;
using namespace ledger::testing;

namespace {

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Runs one SQL statement on a raw connection (not through the engine) and returns the
// first column of the first row as text.
std::string raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  std::string value;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0)) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

ErrorCode open_error(const std::string& path, Options options = {}) {
  try {
    (void)Ledger::open(path, options);
  } catch (const Error& e) {
    CHECK(std::string(e.what()).size() > 20);  // a sentence, not a bare code
    return e.code();
  }
  FAIL("open succeeded but should have been refused");
  return ErrorCode::internal;
}

}  // namespace

// The schema version every new or upgraded ledger must end at (schema/00N_*.sql).
constexpr const char* kLatestVersion = "6";

TEST_CASE("a new ledger file is private, in WAL mode, and at the latest schema") {
  TempDir dir;
  auto path = dir.file("new.db");
  { Ledger ledger = Ledger::open(path); }
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(raw_sql(path, "PRAGMA journal_mode") == "wal");
  CHECK(raw_sql(path, "PRAGMA user_version") == kLatestVersion);
  CHECK(raw_sql(path, "PRAGMA application_id") == std::to_string(0x4c444752));
  CHECK(raw_sql(path, "SELECT count(*) FROM sqlite_schema WHERE name IN "
                      "('accounts','journal','idempotency_keys','meta')") == "4");
}

// The first column of the UNIQUE index on the key records (schema 4: the key, so that
// time-ordered keys of every principal share one right edge).
constexpr const char* kFirstKeyIndexColumn =
    "SELECT name FROM pragma_index_info((SELECT name FROM pragma_index_list('idempotency_keys') "
    "WHERE \"unique\" = 1 AND origin = 'u')) WHERE seqno = 0";

TEST_CASE("the key index leads with the key, then the principal") {
  TempDir dir;
  auto path = dir.file("index.db");
  { Ledger ledger = Ledger::open(path); }
  CHECK(raw_sql(path, kFirstKeyIndexColumn) == "idem_key");
  // One UNIQUE constraint; the outcome chain's own unique index (schema 6) is not a key.
  CHECK(raw_sql(path, "SELECT count(*) FROM pragma_index_list('idempotency_keys') "
                      "WHERE \"unique\" = 1 AND origin = 'u'") == "1");
}

TEST_CASE("reopening an existing ledger keeps its data and applies no migration twice") {
  TempDir dir;
  auto path = dir.file("l.db");
  { open_with_accounts(path); }
  Ledger again = Ledger::open(path);
  CHECK(again.list_accounts().size() == 3);
  CHECK(raw_sql(path, "PRAGMA user_version") == kLatestVersion);
}

TEST_CASE("stats show the file's own format version, also one a newer library wrote later") {
  // Goal: Stats::schema_version (ledgerctl stats' file_format_version) is read from the
  // file, not this build's newest. Method: while a Ledger is open, another connection sets
  // the file's user_version as a newer library's migration would.
  TempDir dir;
  auto path = dir.file("format.db");
  Ledger ledger = Ledger::open(path);
  CHECK(ledger.stats().schema_version == file_format_version());
  CHECK(std::to_string(ledger.stats().schema_version) == kLatestVersion);
  const int newer = file_format_version() + 1;
  raw_sql(path, fmt::format("PRAGMA user_version = {}", newer));
  CHECK(raw_sql(path, "PRAGMA user_version") == std::to_string(newer));
  CHECK(ledger.stats().schema_version == newer);
}

TEST_CASE("a missing file is refused when creation is off") {
  TempDir dir;
  Options options;
  options.create_if_missing = false;
  CHECK(open_error(dir.file("missing.db"), options) == ErrorCode::not_found);
  CHECK_FALSE(std::filesystem::exists(dir.file("missing.db")));
}

TEST_CASE("files that are not ledgers are refused and left unchanged") {
  TempDir dir;
  SUBCASE("a text file") {
    auto path = dir.file("notes.txt");
    write_file(path, "this is not a database, it is a shopping list\n" + std::string(4096, 'x'));
    auto before = file_bytes(path);
    CHECK(open_error(path) == ErrorCode::not_a_ledger);
    CHECK(file_bytes(path) == before);
  }
  SUBCASE("a SQLite database with a foreign schema") {
    auto path = dir.file("foreign.db");
    raw_sql(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
    auto before = file_bytes(path);
    CHECK(open_error(path) == ErrorCode::not_a_ledger);
    CHECK(file_bytes(path) == before);
    CHECK(raw_sql(path, "PRAGMA journal_mode") == "delete");
  }
  SUBCASE("a directory") {
    CHECK(open_error(dir.path().string()) == ErrorCode::not_a_ledger);
  }
}

TEST_CASE("a ledger from a newer schema version is refused and left unchanged") {
  TempDir dir;
  auto path = dir.file("newer.db");
  { open_with_accounts(path); }
  raw_sql(path, "PRAGMA user_version = 999");
  auto before = file_bytes(path);
  CHECK(open_error(path) == ErrorCode::newer_schema);
  CHECK(file_bytes(path) == before);
}

TEST_CASE("a corrupt ledger fails with a corruption error, never a crash") {
  TempDir dir;
  auto path = dir.file("corrupt.db");
  {
    Ledger ledger = open_with_accounts(path);
    for (int i = 0; i < 200; ++i) {
      (void)ledger.transfer(make_transfer("k" + std::to_string(i), "world", "customer", 100 + i));
    }
  }
  auto bytes = file_bytes(path);
  REQUIRE(bytes.size() > 8192);
  // Keep the 100-byte header valid, scribble over every page after the first.
  for (std::size_t i = 4096; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + 3);
  write_file(path, bytes);
  bool refused = false;
  try {
    Ledger ledger = Ledger::open(path);
    (void)ledger.verify();
  } catch (const Error& e) {
    refused = true;
    CHECK((e.code() == ErrorCode::corrupt || e.code() == ErrorCode::not_a_ledger));
  }
  CHECK(refused);
}

TEST_CASE("a world-writable ledger is refused unless explicitly allowed") {
  TempDir dir;
  auto path = dir.file("open.db");
  { Ledger ledger = Ledger::open(path); }
  REQUIRE(::chmod(path.c_str(), 0666) == 0);
  CHECK(open_error(path) == ErrorCode::unsafe_file);
  Options options;
  options.allow_world_writable = true;
  CHECK_NOTHROW((void)Ledger::open(path, options));
}

TEST_CASE("an empty existing file becomes a ledger") {
  TempDir dir;
  auto path = dir.file("empty.db");
  write_file(path, "");
  ::chmod(path.c_str(), 0600);
  Ledger ledger = Ledger::open(path);
  CHECK(ledger.list_accounts().empty());
  CHECK(raw_sql(path, "PRAGMA user_version") == kLatestVersion);
}

TEST_CASE("a version-1 ledger is migrated forward in one step and keeps its data") {
  TempDir dir;
  auto path = dir.file("v1.db");
  make_version_1_ledger(path, /*wal=*/false);
  REQUIRE(raw_sql(path, "PRAGMA user_version") == "1");
  Ledger ledger = Ledger::open(path);
  CHECK(raw_sql(path, "PRAGMA user_version") == kLatestVersion);
  auto account = ledger.find_account("old-till");
  REQUIRE(account);
  CHECK(account->pending_minor == 0);
  CHECK(ledger.verify().ok());
}

// Schema 3 moved the key records out of the WITHOUT ROWID (principal, key) b-tree, schema 4
// put the key first in their index. A ledger written before both (rebuilt here in the
// version-2 layout with raw SQL) keeps answering every completed key with its
// byte-identical response, and refuses its tombstones.
TEST_CASE("a version-2 ledger's keys still replay after the upgrades to the latest version") {
  TempDir dir;
  auto path = dir.file("v2.db");
  std::vector<TransferResult> before;
  {
    Ledger ledger = open_with_accounts(path);
    for (int i = 0; i < 20; ++i) {
      before.push_back(ledger.transfer(make_transfer(fmt::format("sale-{}", i), "world", "till",
                                                     100 + i)));
    }
    before.push_back(ledger.transfer(make_transfer("too-much", "till", "customer", 1'000'000)));
    REQUIRE(before.back().outcome == Outcome::insufficient_funds);
  }
  const std::string to_v2 =
      "BEGIN; CREATE TABLE keys_v2 (principal TEXT NOT NULL, idem_key TEXT NOT NULL, operation "
      "TEXT NOT NULL, issued INTEGER NOT NULL, state TEXT NOT NULL, request BLOB, fingerprint "
      "BLOB, result TEXT, response TEXT, transfer_seq INTEGER UNIQUE REFERENCES journal (seq), "
      "created_at INTEGER NOT NULL, expires_at INTEGER, completed_at INTEGER, CONSTRAINT keys_pk "
      "PRIMARY KEY (principal, idem_key)) STRICT, WITHOUT ROWID; INSERT INTO keys_v2 SELECT "
      "principal, idem_key, operation, issued, state, request, fingerprint, result, response, "
      "transfer_seq, created_at, expires_at, completed_at FROM idempotency_keys; DROP TABLE "
      "idempotency_keys; ALTER TABLE keys_v2 RENAME TO idempotency_keys; DROP TABLE principals; "
      "DROP TABLE events; DROP TABLE signing_keys; DROP TABLE closings; DROP TABLE chain_heads; "
      "DELETE FROM meta WHERE name = 'ledger_id'; "
      "ALTER TABLE journal DROP COLUMN clock_behind_ms; PRAGMA user_version = 2; "
      "COMMIT;";
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, to_v2.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  REQUIRE(raw_sql(path, "SELECT count(*) FROM pragma_table_info('idempotency_keys') "
                        "WHERE name = 'id'") == "0");

  Ledger ledger = Ledger::open(path);
  CHECK(raw_sql(path, "PRAGMA user_version") == kLatestVersion);
  CHECK(raw_sql(path, "SELECT count(*) FROM idempotency_keys") == "21");
  CHECK(raw_sql(path, kFirstKeyIndexColumn) == "idem_key");
  for (int i = 0; i < 20; ++i) {
    auto again = ledger.transfer(make_transfer(fmt::format("sale-{}", i), "world", "till", 100 + i));
    CHECK(again.replayed);
    CHECK(again.body == before[static_cast<std::size_t>(i)].body);
  }
  auto rejection = ledger.transfer(make_transfer("too-much", "till", "customer", 1'000'000));
  CHECK(rejection.replayed);
  CHECK(rejection.body == before.back().body);
  CHECK(ledger.transfer(make_transfer("sale-0", "world", "till", 1)).outcome ==
        Outcome::key_reused_with_different_request);
  CHECK(ledger.transfer(make_transfer("new-sale", "world", "till", 5)).outcome == Outcome::created);
  CHECK(ledger.verify().ok());
}

TEST_CASE("an empty file is refused when creation is off, and made private when it is on") {
  TempDir dir;
  auto path = dir.file("empty.db");
  write_file(path, "");
  ::chmod(path.c_str(), 0644);
  Options no_create;
  no_create.create_if_missing = false;
  CHECK(open_error(path, no_create) == ErrorCode::not_a_ledger);
  CHECK(std::filesystem::file_size(path) == 0);
  { Ledger ledger = Ledger::open(path); }
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
}

TEST_CASE("a connection that read before another wrote can still write (no stale snapshot)") {
  // Regression: cached statements left mid-result pinned an old snapshot, and every later
  // write of that connection failed with SQLITE_BUSY_SNAPSHOT.
  TempDir dir;
  auto path = dir.file("l.db");
  Ledger a = open_with_accounts(path);
  Ledger b = Ledger::open(path);
  auto key = a.issue_key("till:1", "transfer").key;
  REQUIRE(a.find_key("till:1", key));
  REQUIRE(a.find_account("world"));
  REQUIRE(b.transfer(make_transfer("from-b", "world", "till", 5)).ok());
  CHECK(a.transfer(make_transfer(key, "world", "till", 7)).ok());
  CHECK(a.find_account("till")->balance_minor == 12);
}
