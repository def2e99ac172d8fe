// Writes the hand-made seed corpora of the fuzz targets into CORPUS_DIR/<target>/.
//
//   build-fuzz/tests/fuzz/ledger-fuzz-seeds tests/fuzz/corpus
//
// The seeds are committed; rerun this after a schema change so that the database seeds
// stay current ledgers. Ledger seeds use 512-byte pages to stay small (about 20 KiB), so
// the fuzzer's mutations land on schema, rows and b-tree structure, not on empty space.
#include <sqlite3.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "canonical.h"
#include "ledger/ledger.h"
#include "migrations.h"

namespace {

namespace fs = std::filesystem;

void write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary | std::ios::trunc) << bytes;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "%s: %s\n", sql.c_str(), error);
    sqlite3_free(error);
    std::exit(1);
  }
  sqlite3_close(db);
}

void remove_ledger(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix);
}

// A ledger with accounts, transfers, a stored rejection, an issued key and a hold.
void fill(ledger::Ledger& book) {
  using ledger::OverdraftRule;
  book.create_account({"world", "EUR", OverdraftRule::unlimited, 0, "outside"});
  book.create_account({"till", "EUR", OverdraftRule::none, 0, "till 1"});
  book.create_account({"customer", "EUR", OverdraftRule::limit, 500, ""});
  (void)book.transfer({"till:1", "k1", "world", "till", 1250, "EUR", "receipt 1"});
  (void)book.transfer({"till:1", "k2", "till", "customer", 250, "EUR", "refund"});
  (void)book.transfer({"till:1", "k3", "customer", "world", 99999, "EUR", "too much"});
  (void)book.issue_key("till:1", "transfer");
  (void)book.reserve({"till:1", "k4", "till", "customer", 100, "EUR", "hold", 3600});
}

// Rewrites `path` with 512-byte pages and a rollback journal (the engine switches it back
// to WAL when it opens it); `wal_header` keeps the header's WAL mode instead.
void shrink(const std::string& path, bool wal_header) {
  raw_exec(path, "PRAGMA journal_mode = DELETE; PRAGMA page_size = 512; VACUUM;");
  if (wal_header) raw_exec(path, "PRAGMA journal_mode = WAL;");
  fs::remove(path + "-wal");
  fs::remove(path + "-shm");
}

void open_file_seeds(const fs::path& out, const std::string& scratch) {
  ledger::Options options;
  options.clock_ms = [] { return std::int64_t{1'700'000'000'000}; };
  auto make = [&](const std::string& name, bool with_rows, bool wal_header) {
    remove_ledger(scratch);
    {
      ledger::Ledger book = ledger::Ledger::open(scratch, options);
      if (with_rows) fill(book);
    }
    shrink(scratch, wal_header);
    write(out, name, slurp(scratch));
  };
  make("empty-ledger", false, false);
  make("ledger-with-rows", true, false);
  make("ledger-with-rows-wal-header", true, true);
  // A version-1 ledger (migration 001 only): opening it runs migration 002.
  remove_ledger(scratch);
  const auto& migrations = ledger::detail::embedded_migrations();
  raw_exec(scratch, "PRAGMA page_size = 512; BEGIN; " + std::string(migrations.at(0).sql) +
                        "; PRAGMA user_version = 1; PRAGMA application_id = " +
                        std::to_string(ledger::detail::kApplicationId) + "; COMMIT;");
  write(out, "version-1-ledger", slurp(scratch));
  // Files the engine must refuse.
  remove_ledger(scratch);
  raw_exec(scratch, "PRAGMA page_size = 512; CREATE TABLE customers (id INTEGER PRIMARY KEY);");
  write(out, "foreign-sqlite", slurp(scratch));
  raw_exec(scratch, "PRAGMA user_version = 99; PRAGMA application_id = " +
                        std::to_string(ledger::detail::kApplicationId));
  write(out, "newer-version-lookalike", slurp(scratch));
  write(out, "empty-file", "");
  write(out, "text", "this is a shopping list, not a ledger\n");
  remove_ledger(scratch);
}

void money_seeds(const fs::path& out) {
  // Byte 0: the exponent (mod 7); the rest: the text.
  const std::vector<std::pair<char, std::string>> seeds = {
      {2, "12.34"},
      {0, "7"},
      {2, "0.05"},
      {3, "9223372036854775.807"},
      {2, "92233720368547758.08"},
      {0, "9223372036854775807"},
      {2, "1e3"},
      {2, "-1"},
      {2, ".5"},
      {2, "5."},
      {2, "1.234"},
      {4, "0000000000000000000000000000000000001234"},
      {5, "1"},
      {2, ""},
      {2, " 1"},
      {1, "1.2.3"},
      {2, "\xd9\xa1"}};
  int n = 0;
  for (const auto& [exponent, text] : seeds) {
    write(out, "seed-" + std::to_string(n++), std::string(1, exponent) + text);
  }
}

void canonical_seeds(const fs::path& out) {
  using namespace ledger::detail;
  CanonicalWriter transfer(kTransferRequestHeader);
  transfer.text(kFieldOperation, "transfer")
      .text(kFieldDebitAccount, "world")
      .text(kFieldCreditAccount, "till:1")
      .integer(kFieldAmount, 1250)
      .text(kFieldCurrency, "EUR")
      .text(kFieldMemo, "receipt 42");
  write(out, "transfer-request", transfer.bytes());
  CanonicalWriter reserve(kReserveRequestHeader);
  reserve.text(kFieldOperation, "reserve").integer(kFieldTimeout, 3600).integer(kFieldAmount, -1);
  write(out, "reserve-request", reserve.bytes());
  write(out, "header-only", std::string(kPostRequestHeader));
  write(out, "truncated-length", std::string(kVoidRequestHeader) + "\x06s\x00\x00\x10");
  write(out, "structured", std::string(64, '\x01') + std::string(64, '\xff'));
}

// Fuzzed-data-provider scripts: integers come from the end, strings from the front.
void random_seeds(const fs::path& out, int count, std::size_t size, std::uint32_t seed) {
  std::mt19937 random(seed);
  for (int i = 0; i < count; ++i) {
    std::string bytes(size + static_cast<std::size_t>(i) * 37, '\0');
    for (auto& byte : bytes) byte = static_cast<char>(random());
    write(out, "random-" + std::to_string(i), bytes);
  }
}

// Mode byte 0 (even): NUL-separated arguments; odd: a batch file (bit 1: --linked).
void ledgerctl_seeds(const fs::path& out) {
  const std::vector<std::vector<std::string>> lines = {
      {"account", "list", "--json"},
      {"account", "create", "till:7", "--currency", "EUR", "--overdraft-limit", "10.00"},
      {"account", "show", "till"},
      {"transfer", "--principal", "till:1", "--key", "k9", "--from", "world", "--to", "till",
       "--amount", "12.34", "--currency", "EUR", "--memo", "sale"},
      {"transfer", "--principal", "till:1", "--key", "k1", "--from", "world", "--to", "till",
       "--amount", "12.50", "--currency", "EUR", "--memo", "receipt 1"},
      {"key", "issue", "--principal", "till:1", "--operation", "transfer", "--ttl", "60"},
      {"key", "list", "--state", "issued", "--json"},
      {"key", "show", "k2", "--principal", "till:1"},
      {"key", "purge", "--older-than", "0"},
      {"journal", "--since", "1", "--limit", "5", "--format", "csv"},
      {"verify", "--json"},
      {"stats"},
      {"backup", "copy.db"},
      {"--db", "other.db", "init"},
      {"--busy-timeout-ms", "0", "account", "list"},
      {"account", "create", "--help"},
      {"transfer", "--amount", "1e3"}};
  int n = 0;
  for (const auto& line : lines) {
    std::string bytes(1, '\0');
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (i > 0) bytes.push_back('\0');
      bytes += line[i];
    }
    write(out, "args-" + std::to_string(n++), bytes);
  }
  const std::string item =
      R"({"principal":"till:1","key":"b1","from":"world","to":"till","amount":"1.00",)"
      R"("currency":"EUR","memo":"batch"})";
  write(out, "batch-one", "\x01" + item + "\n");
  write(out, "batch-linked",
        "\x03" + item + "\n" +
            R"({"principal":"till:1","key":"b2","from":"till","to":)"
            R"("customer","amount":"99999.00","currency":"EUR"})" +
            "\n");
  write(out, "batch-bad-line", "\x01{\"principal\":1}\n\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR (e.g. tests/fuzz/corpus)\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  const std::string scratch = (fs::temp_directory_path() / "ledger-fuzz-seed.db").string();
  open_file_seeds(root / "fuzz_open_file", scratch);
  money_seeds(root / "fuzz_money");
  canonical_seeds(root / "fuzz_canonical");
  random_seeds(root / "fuzz_transfer", 6, 64, 42);
  write(root / "fuzz_transfer", "all-zero", std::string(200, '\0'));
  write(root / "fuzz_transfer", "all-ones", std::string(200, '\xff'));
  ledgerctl_seeds(root / "fuzz_ledgerctl");
  std::printf("seed corpora written under %s\n", root.c_str());
  return 0;
}
