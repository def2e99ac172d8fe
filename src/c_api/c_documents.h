// The JSON documents the C ABI returns (ledger_accounts_json, ledger_journal_json,
// ledger_verify): field names and units as ledger_c.h lists them, money in minor units.
#pragma once

#include <string>
#include <vector>

#include "ledger/types.h"

namespace ledger::c_api {

[[nodiscard]] std::string accounts_document(const std::vector<Account>& accounts);
[[nodiscard]] std::string journal_document(const std::vector<JournalEntry>& entries);
[[nodiscard]] std::string verify_document(const VerifyReport& report);

}  // namespace ledger::c_api
