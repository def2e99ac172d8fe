// The head-office schema (schema/central/*.sql, embedded at build time): created and
// migrated forward by sync push, checked by every hq command.
#pragma once

#include <vector>

#include "migrations.h"

namespace ledger::detail {
// Every central migration, in version order (generated from schema/central/*.sql).
const std::vector<Migration>& embedded_central_migrations();
}  // namespace ledger::detail

namespace ledger::central {

class PgConnection;

// Applies the central migrations the database lacks, each in its own transaction under a
// transaction-level advisory lock, so that many pushes starting at once migrate it once.
// Throws CentralError{integrity} if the database is at a newer central version than this
// build knows.
void migrate_central(PgConnection& pg);

// Checks that the database holds a head-office schema this build can read (for the hq
// commands, which never create it). Throws CentralError{integrity} naming what to do.
void require_central(PgConnection& pg);

}  // namespace ledger::central
