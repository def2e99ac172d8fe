// Checks on a ledger's path before SQLite opens it: SQLite would misreport directories,
// missing files, truncated files and unsafe permissions, or create a ledger over them.
#pragma once

#include <string>

#include "ledger/ledger.h"

namespace ledger::detail {

// Refuses what cannot be a safe ledger; creates a missing file with mode 0600 when the
// options allow creating one.
void check_path(const std::string& path, const Options& options);

// An empty file becomes a ledger only when creation is allowed; it then gets mode 0600
// like a file the engine created itself.
void prepare_new_ledger_file(const std::string& path, const Options& options);

}  // namespace ledger::detail
