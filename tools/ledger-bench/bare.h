// The bare-SQLite baselines: the minimum comparable work done with hand-prepared
// statements on the C API, with the SAME connection settings as the engine's connections
// (set by the engine's own functions, src/connection_settings.h), so that a ratio
// engine/bare measures the engine's overhead and not the disk or the machine.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ledger/ledger.h"
#include "util.h"

namespace bench {

// Gives `db` SQLite's own busy timeout, then the engine's connection settings: WAL and the
// pragmas of Ledger::open, applied by the engine's functions themselves.
void apply_engine_settings(sqlite3* db, ledger::Durability durability, int busy_timeout_ms);

// Opens `path` with `flags` (SQLITE_OPEN_NOMUTEX is added) and the engine's settings, with
// extended result codes. Throws std::runtime_error naming `who` and the path if it cannot.
[[nodiscard]] sqlite3* open_with_engine_settings(const std::string& path, int flags,
                                                 ledger::Durability durability, int busy_timeout_ms,
                                                 const char* who);

class BareDb {
 public:
  // Opens (creating) `path` with the engine's settings and the baseline tables:
  //   bare_commit    (id INTEGER PRIMARY KEY, k BLOB, amount INTEGER)    one row per commit
  //   bare_keys      (k BLOB PRIMARY KEY, n INTEGER) WITHOUT ROWID       16-byte random keys
  //   bare_responses (k BLOB PRIMARY KEY, body TEXT) WITHOUT ROWID       keys with a body
  BareDb(const std::string& path, ledger::Durability durability, int busy_timeout_ms = 5000);
  BareDb(const BareDb&) = delete;
  BareDb& operator=(const BareDb&) = delete;
  ~BareDb();

  // One 1-row INSERT in its own (autocommit) durable transaction. Returns false if the
  // database stayed busy past the busy timeout (nothing written).
  bool insert_commit(const Key16& key, std::int64_t amount);
  // BEGIN IMMEDIATE; one INSERT per key into bare_keys; COMMIT.
  void insert_keys(std::span<const Key16> keys);
  // Same, into bare_responses, each key with `body`.
  void insert_responses(std::span<const Key16> keys, std::string_view body);
  // Point lookup of a key's body (autocommit read). Returns false if absent.
  bool lookup_response(const Key16& key, std::string& body);

 private:
  void exec(const char* sql);
  sqlite3_stmt* prepare(const char* sql);
  void step_done(sqlite3_stmt* stmt, const char* what);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_commit_ = nullptr;
  sqlite3_stmt* insert_key_ = nullptr;
  sqlite3_stmt* insert_response_ = nullptr;
  sqlite3_stmt* lookup_response_ = nullptr;
};

}  // namespace bench
