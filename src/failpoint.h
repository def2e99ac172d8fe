// Crash-test failpoints: named places in the write paths where a test can make the
// process die (abort, _exit or SIGKILL on itself) on the Nth hit.
//
// Compiled in only with the CMake option LEDGER_FAILPOINTS; otherwise LEDGER_FAILPOINT
// expands to nothing and costs nothing. Armed through the environment variable
//   LEDGER_FAILPOINT=<name>:<action>[:<nth>]     action: abort | exit | sigkill
// e.g. LEDGER_FAILPOINT=transfer.after_debit:sigkill:3 kills the process at the third
// debit. See src/failpoint.cpp and tests/crash/.
#pragma once

#ifdef LEDGER_FAILPOINTS
namespace ledger::detail {
void failpoint(const char* name);
}  // namespace ledger::detail
#define LEDGER_FAILPOINT(name) ::ledger::detail::failpoint(name)
#else
#define LEDGER_FAILPOINT(name) ((void)0)
#endif
