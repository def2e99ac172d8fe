// A genuine version-1 ledger file, for the tests of migrations and read-only opens: the
// embedded migration 001 alone, with one account ('old-till', EUR).
#pragma once

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <string>

#include "migrations.h"

namespace ledger::testing {

// Writes it at `path` (mode 0600), in WAL mode when `wal` (as the engine leaves a file).
inline void make_version_1_ledger(const std::string& path, bool wal) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  std::string script = std::string("BEGIN;") + detail::embedded_migrations()[0].sql +
                       "; INSERT INTO accounts (code, currency, exponent, overdraft, created_at) "
                       "VALUES ('old-till', 'EUR', 2, 'none', 1); PRAGMA user_version = 1; "
                       "PRAGMA application_id = 1279543122; COMMIT;";
  if (wal) script += " PRAGMA journal_mode = WAL;";
  REQUIRE(sqlite3_exec(db, script.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  ::chmod(path.c_str(), 0600);
}

}  // namespace ledger::testing
