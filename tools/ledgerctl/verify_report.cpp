#include "verify_report.h"

#include <fmt/format.h>

#include "cli.h"
#include "output.h"

namespace ledgerctl {

using json = nlohmann::ordered_json;

json report_json(const ledger::VerifyReport& report) {
  json violations = json::array();
  for (const auto& v : report.violations) {
    violations.push_back({{"kind", v.kind}, {"where", v.where}, {"detail", v.detail}});
  }
  return {{"ok", report.ok()},
          {"accounts_checked", report.accounts_checked},
          {"journal_rows_checked", report.journal_rows_checked},
          {"keys_checked", report.keys_checked},
          {"outcomes_checked", report.outcomes_checked},
          {"events_checked", report.events_checked},
          {"closings_checked", report.closings_checked},
          {"signatures_checked", report.signatures_checked},
          {"violations", violations}};
}

void print_report_text(const ledger::VerifyReport& report) {
  std::string signatures;
  if (report.signatures_checked > 0) {
    signatures = ", " + counted(report.signatures_checked, "signature");
  }
  print_line(fmt::format("{}: {}, {}, {}, {}, {}, {}{} checked; {}", report.ok() ? "ok" : "FAILED",
                         counted(report.accounts_checked, "account"),
                         counted(report.journal_rows_checked, "journal row"),
                         counted(report.keys_checked, "key"),
                         counted(report.outcomes_checked, "outcome"),
                         counted(report.events_checked, "event"),
                         counted(report.closings_checked, "closing"), signatures,
                         counted(static_cast<std::int64_t>(report.violations.size()),
                                 "violation")));
  if (report.ok()) return;
  Table table({{"KIND"}, {"WHERE"}, {"DETAIL"}});
  for (const auto& v : report.violations) table.add_row({v.kind, v.where, v.detail});
  table.print();
}

int verify_exit_code(const ledger::VerifyReport& report, const std::string& what) {
  if (report.ok()) return kExitDone;
  const auto& first = report.violations.front();
  print_err_line(
      fmt::format("ledgerctl: error: {} fails verify: {} violation(s), first {} at {} "
                  "({}); stop writing to it, keep the file for investigation and "
                  "restore the last good backup",
                  one_line(what), report.violations.size(), one_line(first.kind),
                  one_line(first.where), one_line(first.detail)));
  return kExitNotALedger;
}

}  // namespace ledgerctl
