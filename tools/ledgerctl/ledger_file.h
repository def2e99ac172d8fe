// Opening the ledger named by the global options, and turning the engine's operating
// errors (ledger::Error) into ledgerctl's exit codes and one-line messages.
#pragma once

#include <string>

#include "cli.h"
#include "ledger/error.h"
#include "ledger/ledger.h"

namespace ledgerctl {

// Opens the existing ledger at globals.db_path (never creates one). Throws CliError with
// exit 5 when there is no ledger there, or it is a directory, unreadable, not a ledger,
// corrupt or newer; exit 4 when it is busy; exit 2 for a bad --busy-timeout-ms.
[[nodiscard]] ledger::Ledger open_existing(const Globals& globals);

// Opens the existing ledger at globals.db_path for reading only (ledger::Options::read_only):
// the file is never migrated or written. The same errors as open_existing, and exit 5 for
// a ledger at an older schema version (the message says to run `ledgerctl upgrade`).
[[nodiscard]] ledger::Ledger open_for_reading(const Globals& globals);

// Opens the ledger at globals.db_path, creating it if the file does not exist or is empty.
// The ledger's open_report().created tells whether this process created it.
[[nodiscard]] ledger::Ledger open_or_create(const Globals& globals);

// The exit code and one-line message (problem and fix) for an engine error raised while
// running the command on the ledger at `db_path`.
[[nodiscard]] CliError translate(const ledger::Error& error, const std::string& db_path,
                                 const std::string& command);

}  // namespace ledgerctl
