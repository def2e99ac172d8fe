// How the head-office module (sync push/status, hq) fails: one error type whose kind maps
// to ledgerctl's exit codes, and whose message names what was wrong and what to do.
#pragma once

#include <stdexcept>
#include <string>

namespace ledger::central {

enum class FailureKind {
  usage,      // bad conninfo, unknown ledger id, a store name that disagrees (exit 2)
  transient,  // PostgreSQL unreachable, connection dropped, server restarting (exit 4)
  integrity,  // a fork, a broken central chain, not a ledger or too old (exit 5)
};

class CentralError : public std::runtime_error {
 public:
  CentralError(FailureKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  [[nodiscard]] FailureKind kind() const { return kind_; }

 private:
  FailureKind kind_;
};

}  // namespace ledger::central
