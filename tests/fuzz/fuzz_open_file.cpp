// Fuzz target: opening a ledger file made of arbitrary bytes (the input IS the file).
//
// Properties, for any bytes:
//  - Ledger::open works or throws ledger::Error with a sentence; any other exception,
//    crash, leak or undefined behaviour is a finding;
//  - a file that open() refused is left byte for byte as it was;
//  - on a file that opened, verify, every read, a transfer and its retry work or throw
//    ledger::Error;
//  - on a file whose b-trees are intact (SQLite's PRAGMA integrity_check, run here on a
//    connection of its own; quick_check misses an out-of-order key b-tree) a stored outcome replays
//    byte-identically, and if verify also said the ledger was healthy and the transfer executed,
//    exactly the two balances moved by exactly the amount and verify still says healthy.
// Over damaged b-trees SQLite's lookups can miss rows it holds (a completed key looks
// unknown, so its retry executes again): no engine can keep exactly-once there. What the
// engine must do is make verify() report such a file (tests/hostile/files_test.cpp, "verify
// reports a ledger whose b-trees are damaged"), so that the operator restores a backup.
// The seeds (corpus/fuzz_open_file) are real ledgers with 512-byte pages, so mutations
// land in the schema, the accounts, the journal and the keys rather than in empty space.
#include <sqlite3.h>

#include <cstring>
#include <optional>
#include <string>

#include "fuzz_support.h"

namespace {

std::string ledger_path;

bool stored(ledger::Outcome outcome) {
  auto kind = ledger::outcome_class(outcome);
  return kind == ledger::OutcomeClass::done || kind == ledger::OutcomeClass::rejected;
}

void read_everything(ledger::Ledger& book) {
  (void)book.list_accounts();
  (void)book.stats();
  (void)book.journal(1, 50);
  (void)book.list_keys();
  (void)book.list_pending();
  (void)book.find_key("till:1", "k1");
}

// SQLite's own structural check, on a read-only connection of its own.
bool btrees_intact(const std::string& path) {
  sqlite3* db = nullptr;
  bool intact = false;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* check = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &check, nullptr) == SQLITE_OK &&
        sqlite3_step(check) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(check, 0));
      intact = text != nullptr && std::strcmp(text, "ok") == 0;
    }
    sqlite3_finalize(check);
  }
  sqlite3_close(db);
  return intact;
}

void use_ledger(ledger::Ledger& book) {
  const bool intact = btrees_intact(ledger_path);
  const bool healthy = book.verify().ok() && intact;
  read_everything(book);
  auto debit = book.find_account("world");
  auto credit = book.find_account("till");
  if (!debit || !credit || debit->currency != credit->currency) return;
  ledger::TransferRequest request{"fuzz", "fuzz-open", "world", "till", 1, debit->currency, "m"};
  ledger::TransferResult first = book.transfer(request);
  ledger::TransferResult again = book.transfer(request);
  if (intact && stored(first.outcome)) {
    FUZZ_CHECK(again.replayed);
    FUZZ_CHECK(again.body == first.body);
  }
  if (!healthy || !first.ok() || first.replayed) return;
  auto debit_after = book.find_account("world");
  auto credit_after = book.find_account("till");
  FUZZ_CHECK(debit_after && credit_after);
  FUZZ_CHECK(debit_after->balance_minor == debit->balance_minor - 1);
  FUZZ_CHECK(credit_after->balance_minor == credit->balance_minor + 1);
  FUZZ_CHECK(book.verify().ok());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ledger_path = fuzz::scratch_dir("open") + "/input.db";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::remove_ledger_files(ledger_path);
  fuzz::write_bytes(ledger_path, data, size);
  ledger::Options options = fuzz::fuzz_options();
  options.create_if_missing = false;
  std::optional<ledger::Ledger> book;
  try {
    book.emplace(ledger::Ledger::open(ledger_path, options));
  } catch (const ledger::Error& e) {
    FUZZ_CHECK(std::strlen(e.what()) > 20);
    FUZZ_CHECK(fuzz::read_bytes(ledger_path) ==
               std::string(reinterpret_cast<const char*>(data), size));
    return 0;
  }
  try {
    use_ledger(*book);
  } catch (const ledger::Error& e) {
    FUZZ_CHECK(std::strlen(e.what()) > 20);
  }
  return 0;
}
