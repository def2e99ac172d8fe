// ledgerctl as a function: the whole CLI, callable in-process (e.g. by a fuzz target that
// links the ledgerctl-core library) as well as from main().
#pragma once

namespace ledgerctl {

// Runs `ledgerctl argv[1] argv[2] ...`: parses the command line, runs the chosen command
// on the ledger named by --db / $LEDGER_DB / ./ledger.db, writes its output to stdout and
// stderr (and reads stdin for `batch -`), and returns the exit code of SPEC 7 (0..5).
//
// Never throws and never calls exit(). Every call builds its own parser and opens its own
// Ledger, so it may be called any number of times in one process. It leaves the signal
// dispositions alone: a program whose stdout may be a closed pipe should ignore SIGPIPE, as
// ledgerctl's main() does, to get exit 4 instead of being killed.
// REQUIRES: argc >= 1 and argv[0..argc-1] are NUL-terminated strings (argv[0] is ignored).
[[nodiscard]] int run(int argc, char** argv) noexcept;

}  // namespace ledgerctl
