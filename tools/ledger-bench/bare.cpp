#include "bare.h"

#include <fmt/format.h>

#include <stdexcept>

#include "connection_settings.h"

namespace bench {
namespace {

[[noreturn]] void fail(sqlite3* db, const char* what) {
  throw std::runtime_error(fmt::format("bare sqlite: {}: {} (extended code {})", what,
                                       sqlite3_errmsg(db), sqlite3_extended_errcode(db)));
}

}  // namespace

void apply_engine_settings(sqlite3* db, ledger::Durability durability, int busy_timeout_ms) {
  // SQLite's own busy handler, not the engine's back-off (src/db.cpp): waiting for the
  // lock is part of what each side is measured doing (the contention scenario).
  sqlite3_busy_timeout(db, busy_timeout_ms);
  try {
    ledger::detail::switch_to_wal(db, busy_timeout_ms);
    ledger::detail::apply_pragmas(db, durability);
  } catch (const std::exception& e) {
    throw std::runtime_error(
        fmt::format("bare sqlite: setting the engine's connection settings: {}", e.what()));
  }
}

sqlite3* open_with_engine_settings(const std::string& path, int flags,
                                   ledger::Durability durability, int busy_timeout_ms,
                                   const char* who) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string message =
        fmt::format("{}: cannot open {}: {}", who, path, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    throw std::runtime_error(message);
  }
  sqlite3_extended_result_codes(db, 1);
  try {
    apply_engine_settings(db, durability, busy_timeout_ms);
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
  return db;
}

BareDb::BareDb(const std::string& path, ledger::Durability durability, int busy_timeout_ms)
    : db_(open_with_engine_settings(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, durability,
                                    busy_timeout_ms, "bare sqlite")) {
  exec(
      "CREATE TABLE IF NOT EXISTS bare_commit ("
      " id INTEGER PRIMARY KEY, k BLOB NOT NULL, amount INTEGER NOT NULL) STRICT;"
      "CREATE TABLE IF NOT EXISTS bare_keys ("
      " k BLOB NOT NULL PRIMARY KEY, n INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS bare_responses ("
      " k BLOB NOT NULL PRIMARY KEY, body TEXT NOT NULL) STRICT, WITHOUT ROWID;");
  insert_commit_ = prepare("INSERT INTO bare_commit (k, amount) VALUES (?1, ?2)");
  insert_key_ = prepare("INSERT INTO bare_keys (k, n) VALUES (?1, ?2)");
  insert_response_ = prepare("INSERT INTO bare_responses (k, body) VALUES (?1, ?2)");
  lookup_response_ = prepare("SELECT body FROM bare_responses WHERE k = ?1");
}

BareDb::~BareDb() {
  for (sqlite3_stmt* stmt : {insert_commit_, insert_key_, insert_response_, lookup_response_}) {
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db_);
}

void BareDb::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(db_, sql);
}

sqlite3_stmt* BareDb::prepare(const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    fail(db_, sql);
  }
  return stmt;
}

void BareDb::step_done(sqlite3_stmt* stmt, const char* what) {
  int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) fail(db_, what);
}

bool BareDb::insert_commit(const Key16& key, std::int64_t amount) {
  sqlite3_bind_blob(insert_commit_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_int64(insert_commit_, 2, amount);
  int rc = sqlite3_step(insert_commit_);
  sqlite3_reset(insert_commit_);
  if (rc == SQLITE_DONE) return true;
  if ((rc & 0xff) == SQLITE_BUSY) return false;
  fail(db_, "insert_commit");
}

void BareDb::insert_keys(std::span<const Key16> keys) {
  exec("BEGIN IMMEDIATE");
  std::int64_t n = 0;
  for (const Key16& key : keys) {
    sqlite3_bind_blob(insert_key_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_int64(insert_key_, 2, ++n);
    step_done(insert_key_, "insert_keys");
  }
  exec("COMMIT");
}

void BareDb::insert_responses(std::span<const Key16> keys, std::string_view body) {
  exec("BEGIN IMMEDIATE");
  for (const Key16& key : keys) {
    sqlite3_bind_blob(insert_response_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_text(insert_response_, 2, body.data(), static_cast<int>(body.size()),
                      SQLITE_STATIC);
    step_done(insert_response_, "insert_responses");
  }
  exec("COMMIT");
}

bool BareDb::lookup_response(const Key16& key, std::string& body) {
  sqlite3_bind_blob(lookup_response_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  int rc = sqlite3_step(lookup_response_);
  bool found = rc == SQLITE_ROW;
  if (found) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(lookup_response_, 0));
    body.assign(text, static_cast<std::size_t>(sqlite3_column_bytes(lookup_response_, 0)));
  }
  sqlite3_reset(lookup_response_);
  if (!found && rc != SQLITE_DONE) fail(db_, "lookup_response");
  return found;
}

}  // namespace bench
