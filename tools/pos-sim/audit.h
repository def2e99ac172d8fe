// The end-of-run proof: reads the journal and the balances back through the public API and
// compares them with what the till believes happened, replays every request once more, and
// runs Ledger::verify().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim.h"

namespace pos_sim {

struct BalanceLine {
  std::string code;
  std::int64_t actual_minor = 0;
  std::int64_t expected_minor = 0;  // by the till's model
  int exponent = kExponent;
};

struct Audit {
  std::int64_t journal_rows = 0;
  int double_charges = 0;      // journal rows beyond the one each done operation should have
  int lost_sales = 0;          // done per the till without its journal row, or never finished
  int unexplained_rows = 0;    // journal rows whose key no operation of the till used
  int balance_mismatches = 0;  // accounts whose balance differs from the till's model
  int replays_checked = 0;
  int replay_mismatches = 0;   // a late retry not answered with the byte-identical reply
  int rejections_checked = 0;  // of replays_checked: stored rejections
  int rejection_mismatches = 0;
  int conflicts_probed = 0;
  int conflict_failures = 0;  // the same key with another amount was not refused
  std::vector<BalanceLine> balances;
  ledger::VerifyReport verify;
  std::vector<std::string> problems;  // the first few, in words

  [[nodiscard]] bool ok() const {
    return double_charges == 0 && lost_sales == 0 && unexplained_rows == 0 &&
           balance_mismatches == 0 && replay_mismatches == 0 && conflict_failures == 0 &&
           verify.ok();
  }
};

Audit run_audit(ledger::Ledger& ledger, const std::vector<Operation>& operations,
                const Model& model);

}  // namespace pos_sim
