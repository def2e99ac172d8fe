// The summary pos-sim prints at the end of a run.
#pragma once

#include <string>

#include "audit.h"
#include "sim.h"

namespace pos_sim {

struct RunInfo {
  const Config& config;
  std::string db_path;  // absolute
  double seconds = 0;
};

// True when the run proves exactly-once: no double charge, no lost sale, the balances
// equal the till's model, every replay byte-identical, every outcome as predicted, and
// Ledger::verify() clean.
[[nodiscard]] bool passed(const Counters& counters, const Audit& audit);

void print_header(const RunInfo& run);
void print_summary(const RunInfo& run, const Counters& counters, const Audit& audit);

}  // namespace pos_sim
