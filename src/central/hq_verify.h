// hq verify (SPEC 11): recomputes every consolidated ledger's chain at head office, from
// the central rows alone, with the engine's own hash (src/journal.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ledger::central {

struct HqViolation {
  std::string ledger_id;
  std::string kind;  // gap, prev_hash, hash, head, unaccepted, account, closing_*, chain_head
  std::int64_t seq = 0;  // the journal row (or closing number for closing_*)
  std::string detail;
};

struct HqVerifyReport {
  std::int64_t ledgers = 0, rows = 0, closings = 0, signatures = 0;
  std::vector<HqViolation> violations;
  [[nodiscard]] bool ok() const { return violations.empty(); }
};

struct HqVerifyOptions {
  std::optional<std::string> ledger_id;   // only this ledger
  std::optional<std::string> public_pem;  // also check every closing's signature
};

// `conninfo`: the head-office database. Throws ledger::Error{invalid_argument} for a
// public key that is not an Ed25519 public key PEM.
[[nodiscard]] HqVerifyReport hq_verify(const std::string& conninfo,
                                       const HqVerifyOptions& options);

}  // namespace ledger::central
