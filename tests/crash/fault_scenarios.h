// In-process fault scenarios over the fault VFS (fault_vfs.h): injected I/O errors at
// every call of a transfer, a migration, a purge and a close, and simulated power losses.
//
// REQUIRES: a FaultVfs::Install guard is alive while these run.
#pragma once

#include <cstdint>
#include <string>

#include "fault_vfs.h"
#include "ledger/ledger.h"
#include "workload.h"

namespace crash {

// For every I/O kind and every N up to the number of such calls a transfer makes: fail
// the Nth call (once; for every later call too; as "disk full" for writes). The transfer
// must either succeed or throw a transient ledger::Error having stored nothing; after the
// fault is removed, a retry with the same key on the same Ledger must succeed, and the
// reopened file must pass the exactly-once check.
void io_errors_in_transfer(const std::string& dir, std::uint64_t seed, Report& report);

// The same across Ledger::open of a new file (schema migration): open either succeeds or
// throws a ledger::Error; after the fault is removed the file opens, is at the latest
// schema version, verifies and takes a transfer exactly once.
void io_errors_in_migration(const std::string& dir, std::uint64_t seed, Report& report);

// The same across purge_keys(): a failed purge purges nothing (all or nothing), a retry
// purges everything, and keys that moved money still replay byte for byte.
void io_errors_in_purge(const std::string& dir, std::uint64_t seed, Report& report);

// The same while the Ledger is closed (the final checkpoint): closing never throws or
// crashes, and every acknowledged transfer is still there after reopening.
void io_errors_at_close(const std::string& dir, std::uint64_t seed, Report& report);

// The same while every acknowledged key is retried and the file verified: a retry is
// answered with its byte-identical stored response or a transient error, never executed
// again; verify() either reports ok or throws a transient error, never a false violation.
void io_errors_in_replay_and_verify(const std::string& dir, std::uint64_t seed, Report& report);

// `trials` power losses, each on a fresh database: transfers run with `durability` until
// the power fails at a random write/sync (or between two transfers), unsynced writes are
// lost as `mode` says, and the surviving files are reopened and checked: with full
// durability no acknowledged transfer may be lost, with normal only a suffix of them.
void power_loss(const std::string& dir, std::uint64_t seed, ledger::Durability durability,
                LossMode mode, int trials, Report& report);

// Power losses while a new ledger file is created and migrated: for every write/sync of
// Ledger::open, the surviving file must open, verify and take transfers.
void power_loss_in_migration(const std::string& dir, std::uint64_t seed, Report& report);

}  // namespace crash
