#include "c_documents.h"

#include <nlohmann/json.hpp>

#include "accounts.h"
#include "json_text.h"

namespace ledger::c_api {
namespace {

using json = nlohmann::ordered_json;

}  // namespace

std::string accounts_document(const std::vector<Account>& accounts) {
  json list = json::array();
  for (const Account& account : accounts) {
    list.push_back({{"code", account.code},
                    {"currency", account.currency},
                    {"exponent", account.exponent},
                    {"balance_minor", account.balance_minor},
                    {"held_minor", account.pending_minor},
                    {"available_minor", account.available_minor()},
                    {"overdraft", detail::to_string(account.overdraft)},
                    {"overdraft_limit_minor", account.overdraft_limit_minor},
                    {"name", account.name},
                    {"created_at_ms", account.created_at_ms}});
  }
  return detail::json_text(list);
}

std::string journal_document(const std::vector<JournalEntry>& entries) {
  json list = json::array();
  for (const JournalEntry& entry : entries) {
    list.push_back({{"sequence", entry.sequence},
                    {"kind", entry.kind},
                    {"debit_account", entry.debit_account},
                    {"credit_account", entry.credit_account},
                    {"amount_minor", entry.amount_minor},
                    {"currency", entry.currency},
                    {"memo", entry.memo},
                    {"principal", entry.principal},
                    {"key", entry.key},
                    {"created_at_ms", entry.created_at_ms},
                    {"clock_behind_ms", entry.clock_behind_ms},
                    {"ref_sequence", entry.ref_sequence ? json(*entry.ref_sequence) : json()},
                    {"hash", entry.hash_hex}});
  }
  return detail::json_text(list);
}

std::string verify_document(const VerifyReport& report) {
  json violations = json::array();
  for (const Violation& violation : report.violations) {
    violations.push_back(
        {{"kind", violation.kind}, {"where", violation.where}, {"detail", violation.detail}});
  }
  return detail::json_text(json{{"ok", report.ok()},
              {"accounts_checked", report.accounts_checked},
              {"journal_rows_checked", report.journal_rows_checked},
              {"keys_checked", report.keys_checked},
              {"outcomes_checked", report.outcomes_checked},
              {"events_checked", report.events_checked},
              {"closings_checked", report.closings_checked},
              {"violations", violations}});
}

}  // namespace ledger::c_api
