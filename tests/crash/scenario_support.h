// Helpers shared by the in-process fault scenarios (fault_scenarios.cpp, power_scenarios.cpp).
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "history.h"
#include "ledger/ledger.h"
#include "report.h"
#include "workload.h"

namespace crash {

// The one principal of the in-process scenarios.
inline const std::string kPrincipal = "till";
// Operations in the base file of the sweeps.
inline constexpr std::int64_t kBaseOps = 8;

// Removes a database file and its -wal, -shm and -journal files.
void remove_db(const std::string& path);
// Copies a closed database (and its WAL, if any) over `to`.
void copy_db(const std::string& from, const std::string& to);

// A ledger with `workload`'s accounts and its operations 0..ops-1, closed cleanly (so the
// file is self-contained), and their history.
StreamHistory make_base(const std::string& path, std::uint64_t seed, Workload workload,
                        std::int64_t ops, const ledger::Options& options = {});

// Runs `call`; returns true if it threw. A transient ledger::Error is what an injected
// I/O error must become; anything else is a violation.
template <class Call>
bool threw_transient(Call&& call, const std::string& what, Report& report) {
  try {
    call();
    return false;
  } catch (const ledger::Error& e) {
    if (!e.transient()) {
      report.violation(fmt::format("{}: ledger::Error {} (sqlite {}) is not transient: {}", what,
                                   ledger::to_string(e.code()), e.sqlite_code(), e.what()));
    }
  } catch (const std::exception& e) {
    report.violation(fmt::format("{}: a non-ledger exception escaped: {}", what, e.what()));
  }
  return true;
}

// Runs `call` that must not fail now that the fault is gone.
template <class Call>
void must_succeed(Call&& call, const std::string& what, Report& report) {
  try {
    call();
  } catch (const std::exception& e) {
    report.violation(fmt::format("{}: {}", what, e.what()));
  }
}

}  // namespace crash
