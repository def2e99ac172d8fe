// Crash-test failpoints: named places in the write paths where a test can make the
// process die (abort, _exit or SIGKILL on itself) on the Nth hit, or throw.
//
// Compiled in only with the CMake option LEDGER_FAILPOINTS; otherwise LEDGER_FAILPOINT
// expands to nothing and costs nothing. Armed through the environment variable
//   LEDGER_FAILPOINT=<name>:<action>[:<nth>]     action: abort | exit | sigkill | stop | throw
// e.g. LEDGER_FAILPOINT=transfer.after_debit:sigkill:3 kills the process at the third
// debit; `stop` freezes it with SIGSTOP (e.g. while it holds the write lock) so a test can
// kill it from outside; `throw` throws a std::runtime_error (an exception the engine does
// not know, as a bug would), so the C ABI's test proves none escapes it. A misspelt specification exits with code 2 rather than arming
// nothing. LEDGER_FAILPOINT_TRACE=<file> appends the name of every failpoint reached, so a
// test can sweep all of them, including the names built at run time. See
// src/failpoint.cpp and tests/crash/.
#pragma once

#include <string>

#ifdef LEDGER_FAILPOINTS
namespace ledger::detail {
void failpoint(const char* name);
}  // namespace ledger::detail
#define LEDGER_FAILPOINT(name) ::ledger::detail::failpoint(name)
// For names built at run time ("reserve.after_key_check"): the expression is not even
// evaluated when failpoints are compiled out.
#define LEDGER_FAILPOINT_DYNAMIC(name_expression) \
  ::ledger::detail::failpoint(std::string(name_expression).c_str())
#else
#define LEDGER_FAILPOINT(name) ((void)0)
#define LEDGER_FAILPOINT_DYNAMIC(name_expression) ((void)0)
#endif
