// How verify, backup and audit verify report what they checked and the violations found.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "ledger/types.h"

namespace ledgerctl {

// {"ok","accounts_checked","journal_rows_checked","keys_checked","outcomes_checked",
//  "events_checked","closings_checked","signatures_checked","violations":[{kind,where,detail}]}
[[nodiscard]] nlohmann::ordered_json report_json(const ledger::VerifyReport& report);

// "ok: 3 accounts, ... checked; 0 violations", then a table of the violations.
void print_report_text(const ledger::VerifyReport& report);

// 0 if the report is clean; else prints one line naming the first violation of `what` on
// stderr and returns 5: a record that fails verify must not look fine to a script that
// only checks the exit code.
[[nodiscard]] int verify_exit_code(const ledger::VerifyReport& report, const std::string& what);

}  // namespace ledgerctl
