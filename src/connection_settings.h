// The settings of a connection the engine opened itself: write-ahead logging and the
// pragmas tuned for money workloads. ledger-bench's bare SQLite baselines call the same
// functions, so engine and baseline always run with identical settings.
#pragma once

#include "ledger/ledger.h"

struct sqlite3;

namespace ledger::detail {

// Switches the file to WAL (readers never block the writer, a commit is one append and one
// fsync). It writes the file's header, so read-only connections skip it. Retried every
// millisecond up to `busy_timeout_ms`: the switch upgrades a read lock to a write lock,
// for which SQLite does not call the busy handler, so a concurrent reader (another process
// opening the same new ledger) makes it fail at once with SQLITE_BUSY.
void switch_to_wal(sqlite3* connection, int busy_timeout_ms);

// Settings of this connection only; none of them writes to the file.
void apply_pragmas(sqlite3* connection, Durability durability);

}  // namespace ledger::detail
