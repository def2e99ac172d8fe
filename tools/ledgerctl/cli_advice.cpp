#include "cli_advice.h"

namespace ledgerctl {

std::string cli_advice(ledger::ErrorCode code) {
  switch (code) {
    case ledger::ErrorCode::not_a_ledger:
      return " (--db or LEDGER_DB names the ledger file; `ledgerctl init` creates one)";
    case ledger::ErrorCode::older_schema:
      return " (`ledgerctl upgrade` does that)";
    default:
      return "";
  }
}

std::string cli_advice(ledger::Outcome outcome) {
  switch (outcome) {
    case ledger::Outcome::key_unknown:
      return " (`ledgerctl key issue` issues one)";
    case ledger::Outcome::pending_not_found:
      return " (`ledgerctl pending list`)";
    default:
      return "";
  }
}

}  // namespace ledgerctl
