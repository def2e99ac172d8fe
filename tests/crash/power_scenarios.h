// In-process power-loss scenarios over the fault VFS (fault_vfs.h): unsynced writes lost
// at a random write or sync of an operation stream, or of creating a ledger.
//
// REQUIRES: a FaultVfs::Install guard is alive while these run.
#pragma once

#include <cstdint>
#include <string>

#include "fault_vfs.h"
#include "ledger/ledger.h"
#include "report.h"
#include "workload.h"

namespace crash {

// `trials` power losses, each on a fresh database: operations of `workload` (sequential or
// mixed) run with `durability` until the power fails at a random write/sync (or between
// two operations), unsynced writes are lost as `mode` says, and the surviving files are
// reopened and checked: with full durability no acknowledged key may be lost, with normal
// only a suffix of them.
void power_loss(const std::string& dir, std::uint64_t seed, Workload workload,
                ledger::Durability durability, LossMode mode, int trials, Report& report);

// Power losses while a new ledger file is created and migrated: for every write/sync of
// Ledger::open, the surviving file must open, verify and take transfers.
void power_loss_in_migration(const std::string& dir, std::uint64_t seed, Report& report);

}  // namespace crash
