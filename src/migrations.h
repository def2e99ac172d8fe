// Schema migrations: embedded at build time from schema/*.sql (see
// cmake/embed_schema.cmake) and applied forward-only, tracked by PRAGMA user_version.
#pragma once

#include <string>
#include <vector>

namespace ledger::detail {

class Db;

struct Migration {
  int version;       // the number the file name starts with: 001_init.sql -> 1
  const char* name;  // file name, for error messages
  const char* sql;
};

// All migrations, in version order (generated source).
const std::vector<Migration>& embedded_migrations();

// The schema version this build writes.
int latest_schema_version();

// The schema version that chains outcomes and events (SPEC 10).
inline constexpr int kFirstChainedSchemaVersion = 6;

// PRAGMA application_id of every ledger file: "LDGR".
inline constexpr int kApplicationId = 0x4c444752;

// Whether the ledger has the database to itself (Ledger::open) or shares it with the app's
// own tables (Ledger::attach).
enum class FileUse { own, shared_with_app };

// Checks that `db` holds no ledger yet (an empty database, or for a shared one a database
// without the ledger's tables that leaves application_id and user_version at 0) or a
// ledger this build can open, without writing anything; throws
// Error{not_a_ledger|newer_schema|corrupt} otherwise. Returns the current schema version
// (0: no ledger yet).
int check_ledger_file(Db& db, const std::string& path, FileUse use);

// Applies the missing migrations and the user_version bump in ONE write transaction.
// Returns the version the file had inside that transaction (0: empty), which can be newer
// than what the caller read before: another process may have migrated it meanwhile.
int migrate(Db& db, const std::string& path, FileUse use);

}  // namespace ledger::detail
