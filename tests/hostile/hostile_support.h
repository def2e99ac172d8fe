// Shared helpers of the hostile-input suite: temporary directories, raw file and SQL
// access that bypasses the engine (so that "nothing was stored" is checked independently
// of the code under test), and a snapshot of everything a ledger file holds.
#pragma once

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "support/temp_dir.h"

namespace hostile {

using ledger::testing::TempDir;  // tests/support/temp_dir.h

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  ::chmod(path.c_str(), 0600);
}

inline bool exists(const std::string& path) { return std::filesystem::exists(path); }

inline unsigned file_mode(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

// Runs SQL on a raw connection (not through the engine) and returns every row, each
// column as text ("NULL" for NULL). A failure is returned as one row "ERROR: ...".
// Never creates a missing file unless `create` is set.
inline std::vector<std::vector<std::string>> raw_rows(const std::string& path,
                                                      const std::string& sql, bool create = false) {
  sqlite3* db = nullptr;
  std::vector<std::vector<std::string>> rows;
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    rows.push_back({std::string("ERROR: ") + sqlite3_errmsg(db)});
    sqlite3_close(db);
    return rows;
  }
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    rows.push_back({std::string("ERROR: ") + sqlite3_errmsg(db)});
  } else {
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        const auto* text = sqlite3_column_text(statement, i);
        auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, i));
        row.emplace_back(text ? std::string(reinterpret_cast<const char*>(text), size) : "NULL");
      }
      rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) rows.push_back({std::string("ERROR: ") + sqlite3_errmsg(db)});
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return rows;
}

// The first column of the first row, or "" when there is none.
inline std::string raw_value(const std::string& path, const std::string& sql) {
  auto rows = raw_rows(path, sql);
  return rows.empty() || rows[0].empty() ? "" : rows[0][0];
}

// Everything a ledger holds, read with raw SQL: two equal snapshots mean nothing changed.
struct Snapshot {
  std::vector<std::vector<std::string>> accounts, journal, keys, pending, tables;
  bool operator==(const Snapshot&) const = default;
};

inline Snapshot snapshot(const std::string& path) {
  Snapshot s;
  s.accounts = raw_rows(path, "SELECT code, currency, balance, pending FROM accounts ORDER BY id");
  s.journal = raw_rows(path,
                       "SELECT seq, kind, amount, memo, principal, idem_key, hex(hash) "
                       "FROM journal ORDER BY seq");
  s.keys = raw_rows(path,
                    "SELECT principal, idem_key, state, result, hex(fingerprint), response "
                    "FROM idempotency_keys ORDER BY principal, idem_key");
  s.pending = raw_rows(path, "SELECT seq, state, amount FROM pending_transfers ORDER BY seq");
  s.tables = raw_rows(path, "SELECT type, name FROM sqlite_schema ORDER BY type, name");
  return s;
}

// Opening `path` must be refused with a ledger::Error whose message is a sentence.
inline ledger::Error open_error(const std::string& path, const ledger::Options& options = {}) {
  try {
    (void)ledger::Ledger::open(path, options);
  } catch (const ledger::Error& e) {
    CHECK_MESSAGE(std::string(e.what()).size() > 30, "terse error: ", e.what());
    return e;
  }
  FAIL("open succeeded but should have been refused: " << path);
  return ledger::Error(ledger::ErrorCode::internal, "unreachable");
}

// A ledger with `world` (unlimited), `till` and `customer` (no overdraft) in EUR.
inline ledger::Ledger open_with_accounts(const std::string& path, ledger::Options options = {}) {
  ledger::Ledger book = ledger::Ledger::open(path, options);
  book.create_account({"world", "EUR", ledger::OverdraftRule::unlimited, 0, "outside"});
  book.create_account({"till", "EUR", ledger::OverdraftRule::none, 0, "till 1"});
  book.create_account({"customer", "EUR", ledger::OverdraftRule::none, 0, "a customer"});
  return book;
}

inline ledger::TransferRequest transfer(const std::string& key, const std::string& from,
                                        const std::string& to, std::int64_t amount_minor,
                                        const std::string& principal = "till:1") {
  return ledger::TransferRequest{principal, key, from, to, amount_minor, "EUR", "sale"};
}

inline std::int64_t balance(ledger::Ledger& book, const std::string& code) {
  auto account = book.find_account(code);
  REQUIRE(account.has_value());
  return account->balance_minor;
}

// Prints a skip line that CTest's SKIP_REGULAR_EXPRESSION turns into "skipped", so that a
// check this machine cannot run is reported as not run instead of passing silently.
inline void skip(const std::string& why) { MESSAGE("SKIPPED: " << why); }

}  // namespace hostile
