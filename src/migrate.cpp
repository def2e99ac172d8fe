#include <fmt/format.h>
#include <sqlite3.h>

#include "migrations.h"

#include "db.h"
#include "failpoint.h"
#include "fiscal_migration.h"
#include "integrity.h"
#include "ledger/error.h"

namespace ledger::detail {
namespace {

int read_int_pragma(Db& db, const char* sql) {
  Statement query(db.handle(), sql);
  query.executeStep();
  return query.getColumn(0).getInt();
}

// A migration copies tables; over a damaged b-tree the copy could drop or duplicate keys and
// hide the damage that verify would have reported. Upgrades therefore start from a file
// that passes integrity_check (read once per upgrade, never on an ordinary open).
void refuse_damaged(Db& db, const std::string& path) {
  auto problems = integrity_problems(db, fmt::format("checking {} before an upgrade", path), 1);
  if (problems.empty()) return;
  throw Error(ErrorCode::corrupt,
              fmt::format("{} is damaged ({}), so it was not upgraded to schema version {}; "
                          "the file was left unchanged: restore it from a backup",
                          path, problems.front(), latest_schema_version()));
}

// Makes the reads of check_ledger_file one snapshot (a deferred BEGIN) unless the caller's
// transaction already is one: read one by one, they could straddle another process's
// commit of a new ledger and see its user_version but not yet its application_id.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Db& db) : db_(db), own_(sqlite3_get_autocommit(db.handle()) != 0) {
    if (own_) db_.exec("BEGIN");
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  // Ends the read transaction; it wrote nothing, so ROLLBACK cannot lose anything.
  ~ReadSnapshot() {
    if (own_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  Db& db_;
  bool own_;
};

}  // namespace

int latest_schema_version() { return embedded_migrations().back().version; }

int check_ledger_file(Db& db, const std::string& path, FileUse use) {
  ReadSnapshot snapshot(db);
  // Reading sqlite_schema makes SQLite read page 1: a file that is not a database fails
  // here with SQLITE_NOTADB, before anything is written.
  int objects = read_int_pragma(db, "SELECT count(*) FROM sqlite_schema");
  int application_id = read_int_pragma(db, "PRAGMA application_id");
  int version = read_int_pragma(db, "PRAGMA user_version");
  int tables = read_int_pragma(db,
                               "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                               "('meta', 'accounts', 'journal', 'idempotency_keys')");
  const bool no_ledger = use == FileUse::own ? objects == 0 : tables == 0;
  if (no_ledger && application_id == 0 && version == 0) return 0;
  if (use == FileUse::shared_with_app && tables == 0 && application_id != kApplicationId) {
    throw Error(ErrorCode::not_a_ledger,
                fmt::format("{} holds no ledger yet, and uses PRAGMA application_id ({:#x}) or "
                            "user_version ({}) for itself; the ledger records its schema version "
                            "there, so it cannot share this database: keep the app's version in "
                            "a table of its own, or give the ledger a file of its own",
                            path, application_id, version));
  }
  if (application_id != kApplicationId || version == 0) {
    throw Error(ErrorCode::not_a_ledger,
                fmt::format("{} is a SQLite database but not a ledger (application_id {:#x}, "
                            "user_version {}); open a ledger file instead, or create a new "
                            "ledger at a path of its own",
                            path, application_id, version));
  }
  if (version < 0) {
    throw Error(ErrorCode::not_a_ledger,
                fmt::format("{} has an invalid schema version {}; it is not a ledger this "
                            "library wrote (the file was left unchanged)",
                            path, version));
  }
  if (version > latest_schema_version()) {
    throw Error(ErrorCode::newer_schema,
                fmt::format("{} has schema version {}, newer than this build's {}; upgrade "
                            "ledger before opening it (the file was left unchanged)",
                            path, version, latest_schema_version()));
  }
  if (tables != 4) {
    throw Error(ErrorCode::not_a_ledger,
                fmt::format("{} claims to be a ledger (schema version {}) but lacks its tables; "
                            "restore it from a backup",
                            path, version));
  }
  return version;
}

int migrate(Db& db, const std::string& path, FileUse use) {
  Transaction transaction(db);
  // Re-read inside the write lock: another process may have migrated meanwhile.
  int current = check_ledger_file(db, path, use);
  if (current == latest_schema_version()) return current;
  if (current > 0) refuse_damaged(db, path);
  for (const Migration& migration : embedded_migrations()) {
    if (migration.version <= current) continue;
    try {
      db.exec(migration.sql);
    } catch (const SQLite::Exception& e) {
      // SQL errors here mean the file's tables do not match its version number; I/O and
      // busy errors keep their own meaning.
      if (e.getErrorCode() != SQLITE_ERROR && e.getErrorCode() != SQLITE_CONSTRAINT) throw;
      throw Error(ErrorCode::not_a_ledger,
                  fmt::format("{}: migration {} failed ({}): its tables do not match schema "
                              "version {}; the file was left unchanged, restore it from a backup",
                              path, migration.name, e.what(), current));
    }
    // Version 6 chains the records an older file holds (fiscal_migration.h); a new file
    // has none, and chaining nothing is cheap.
    if (migration.version == kFirstChainedSchemaVersion) chain_existing_records(db);
    LEDGER_FAILPOINT("migrate.after_schema");
    db.exec(fmt::format("PRAGMA user_version = {}", migration.version).c_str());
  }
  db.exec(fmt::format("PRAGMA application_id = {}", kApplicationId).c_str());
  LEDGER_FAILPOINT("migrate.before_commit");
  transaction.commit();
  return current;
}

}  // namespace ledger::detail
