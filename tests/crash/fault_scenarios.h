// In-process I/O-error scenarios over the fault VFS (fault_vfs.h): an injected error at
// every call of an operation, a migration, a purge, a close, and a replay with verify.
// Power losses are in power_scenarios.h.
//
// REQUIRES: a FaultVfs::Install guard is alive while these run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fault_vfs.h"
#include "ledger/ledger.h"
#include "report.h"
#include "workload.h"

namespace crash {

// An operation an I/O-error sweep aims at: operation `index` of the workload's stream.
struct SweepTarget {
  std::string label;  // e.g. "post", "linked_batch_failed"
  std::int64_t index = 0;
  // How far the clock of the swept operation is ahead of the base's: the expiry sweep
  // runs when the holds that time out have done so, so that it has something to write.
  std::int64_t clock_ahead_ms = 0;
};
// The operations to sweep: for the sequential workload one transfer; for the mixed one a
// created reserve, post, void and refund, an independent batch, a linked batch that is
// created and one that fails, and an expiry sweep (see find_op in model.h).
[[nodiscard]] std::vector<SweepTarget> sweep_targets(Workload workload, std::uint64_t seed);

// For every I/O kind and every N up to the number of such calls operation `target.index`
// makes (after operations 0..index-1 built the file): fail the Nth call (once; for every
// later call too; as "disk full" for writes). The operation must either succeed or throw a
// transient ledger::Error having stored nothing (no key of it is known); after the fault is
// removed, a retry with the same keys on the same Ledger must execute (not replay), and the
// reopened file must pass the exactly-once check.
void io_errors_in_op(const std::string& dir, std::uint64_t seed, Workload workload,
                     const SweepTarget& target, Report& report);

// The same across Ledger::open of a new file (schema migration): open either succeeds or
// throws a ledger::Error; after the fault is removed the file opens, is at the latest
// schema version, verifies and takes a transfer exactly once.
void io_errors_in_migration(const std::string& dir, std::uint64_t seed, Report& report);

// The same across purge_keys(): a failed purge purges nothing (all or nothing), a retry
// purges everything, and keys that moved money still replay byte for byte.
void io_errors_in_purge(const std::string& dir, std::uint64_t seed, Report& report);

// The same while the Ledger is closed (the final checkpoint) after an operation of
// `workload`: closing never throws or crashes, and every acknowledged key is still there
// after reopening.
void io_errors_at_close(const std::string& dir, std::uint64_t seed, Workload workload,
                        Report& report);

// The same while every acknowledged operation of `workload` is retried and the file
// verified: a retry is answered with its byte-identical stored responses or a transient
// error, never executed again; verify() either reports ok or throws a transient error,
// never a false violation.
void io_errors_in_replay_and_verify(const std::string& dir, std::uint64_t seed, Workload workload,
                                    Report& report);

// For every N up to the number of reads verify() makes: fail the Nth read (once, or that
// one and every later one): verify() must report ok or throw a transient error, never a
// violation. (The regression test of an engine bug this suite found: until 87377fc a read
// error inside verify's PRAGMA quick_check was reported as file damage.)
void io_errors_in_verify(const std::string& dir, std::uint64_t seed, Report& report);

}  // namespace crash
