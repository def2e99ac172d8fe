// Kill scenarios: real processes running transfers, killed by a failpoint or by SIGKILL
// from the parent, then checked for exactly-once (workload.h) by the parent.
//
// The children are `ledger-crash-driver child ...` processes (crash_driver.cpp): a failpoint
// is armed through the child's environment, so it needs an exec, not just a fork.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "check.h"
#include "workload.h"

namespace crash {

struct KillConfig {
  std::string driver;    // path of ledger-crash-driver
  std::string work_dir;  // a directory the scenario may fill
  std::uint64_t seed = 0;
  // sequential or mixed; the concurrent scenarios run its concurrent_variant()
  Workload workload = Workload::sequential;
  // The children run as an embedding app (attached_app.h): the ledger on the app's own
  // connection, each operation in an app transaction with an app row; the check after each
  // kill starts with check_attached_app().
  bool attach = false;
};

// The options of one child process; see run_child() in crash_driver.cpp.
struct ChildSpec {
  std::string db;
  std::string side_dir;
  std::string principal = "till";
  Workload workload = Workload::sequential;
  std::uint64_t seed = 0;
  std::int64_t first = 0;
  std::int64_t count = 24;  // operations
  int purge_every = 0;      // issue two short-lived keys and purge after every Nth operation
  int busy_timeout_ms = 5000;
  bool attach = false;  // book through an AttachedApp (attached_app.h), not Ledger::open
};
[[nodiscard]] std::vector<std::string> child_argv(const std::string& driver, const ChildSpec& spec);

// Runs the failpoint workload (a fresh database, 24 operations of config.workload and
// purges) once with LEDGER_FAILPOINT_TRACE and returns how many times it reached each
// failpoint: the set failpoint_kill() can sweep, including names built at run time.
[[nodiscard]] std::map<std::string, std::int64_t> reached_failpoints(const KillConfig& config,
                                                                     Report& report);

// A fresh database is created by a child that is killed by `action` (abort, exit or
// sigkill) at failpoint `name` on its `nth` hit. Reports a violation if nth == 1 and the
// child never reached the failpoint (so a failpoint missing from the engine is noticed).
void failpoint_kill(const KillConfig& config, const std::string& name, const std::string& action,
                    std::int64_t nth, Report& report);

// `rounds` children on one database (config.workload), each SIGKILLed by the parent at a random
// moment (sometimes while it is still opening the file), each followed by the full check.
void random_kills(const KillConfig& config, int rounds, Report& report);

// `workers` processes run concurrent_variant(config.workload) on one database; one of them
// is killed while it holds the write lock: with `stop_at_failpoint` it freezes itself at
// transfer.before_commit (which wraps every write operation) and the parent SIGKILLs it
// after the others have waited past their busy timeout; otherwise the parent SIGKILLs it at
// a random moment, and the workers start on no file at all: they race to create and
// migrate it (and create the accounts). The victim is then restarted and finishes its
// stream. The others must finish with no error but transient ones, and the end state must
// be exactly-once.
void concurrent_kill(const KillConfig& config, int workers, int per_worker, bool stop_at_failpoint,
                     Report& report);

}  // namespace crash
