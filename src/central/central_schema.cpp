#include "central_schema.h"

#include <fmt/format.h>

#include <string>

#include "central_error.h"
#include "pg_connection.h"

namespace ledger::central {
namespace {

// Any 64-bit constant of our own: the advisory lock that serialises migrations.
constexpr const char* kMigrationLock = "7011846243620921";

int latest_central_version() {
  return detail::embedded_central_migrations().back().version;
}

// The recorded version, 0 when the schema is absent.
int recorded_version(PgConnection& pg) {
  const PgResult exists = pg.exec("SELECT to_regclass('ledger_hq.schema_version') IS NOT NULL");
  if (exists.text(0, 0) != "t") return 0;
  const PgResult version = pg.exec("SELECT coalesce(max(version), 0) FROM ledger_hq.schema_version");
  return static_cast<int>(version.integer(0, 0));
}

void refuse_newer(int version) {
  if (version > latest_central_version()) {
    throw CentralError(FailureKind::integrity,
                       fmt::format("the head-office database is at central schema version {}, "
                                   "newer than this ledgerctl knows ({}); use a newer ledgerctl",
                                   version, latest_central_version()));
  }
}

}  // namespace

void migrate_central(PgConnection& pg) {
  if (recorded_version(pg) == latest_central_version()) return;
  PgTransaction transaction(pg);
  pg.exec(fmt::format("SELECT pg_advisory_xact_lock({})", kMigrationLock));
  pg.exec("CREATE SCHEMA IF NOT EXISTS ledger_hq");
  pg.exec(
      "CREATE TABLE IF NOT EXISTS ledger_hq.schema_version (version integer PRIMARY KEY, "
      "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
  const int version = recorded_version(pg);
  refuse_newer(version);
  for (const detail::Migration& migration : detail::embedded_central_migrations()) {
    if (migration.version <= version) continue;
    pg.exec_script(migration.sql);
    pg.exec("INSERT INTO ledger_hq.schema_version (version, name) VALUES ($1, $2)",
            {std::to_string(migration.version), std::string(migration.name)});
  }
  transaction.commit();
}

void require_central(PgConnection& pg) {
  const int version = recorded_version(pg);
  if (version == 0) {
    throw CentralError(FailureKind::integrity,
                       fmt::format("PostgreSQL ({}) holds no head-office schema (ledger_hq); "
                                   "push a ledger first: ledgerctl --db LEDGER sync push --pg ...",
                                   pg.where()));
  }
  refuse_newer(version);
}

}  // namespace ledger::central
