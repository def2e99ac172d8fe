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

// Opens the ledger at globals.db_path, creating it if the file does not exist.
// `created` tells which happened.
[[nodiscard]] ledger::Ledger open_or_create(const Globals& globals, bool& created);

// The exit code and one-line message (problem and fix) for an engine error raised while
// running the command on the ledger at `db_path`.
[[nodiscard]] CliError translate(const ledger::Error& error, const std::string& db_path,
                                 const std::string& command);

}  // namespace ledgerctl
