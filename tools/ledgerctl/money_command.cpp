#include "money_command.h"

#include <fmt/format.h>

#include "cli_advice.h"
#include "input.h"
#include "output.h"

namespace ledgerctl {
namespace {

using json = nlohmann::ordered_json;

std::string sequence_text(const ledger::TransferResult& result) {
  return result.sequence ? fmt::format(" (journal sequence {})", *result.sequence) : "";
}

// The stderr line that says what happened. The engine's messages for conflicts and
// malformed requests already say what to do (ledgerctl adds its command for it, if any);
// rejections get the rule for retries added.
std::string status_line(const ledger::TransferResult& result) {
  const std::string outcome = ledger::to_string(result.outcome);
  const std::string message = one_line(result.message) + cli_advice(result.outcome);
  const std::string replay = "ledgerctl: replayed: stored response of an earlier execution";
  switch (ledger::outcome_class(result.outcome)) {
    case ledger::OutcomeClass::done:
      return result.replayed ? replay + sequence_text(result) + "; nothing moved now"
                             : "ledgerctl: executed" + sequence_text(result);
    case ledger::OutcomeClass::rejected:
      if (result.replayed) {
        return fmt::format("{}: rejected ({}); a new attempt needs a new key", replay, outcome);
      }
      return fmt::format(
          "ledgerctl: rejected ({}): {}; the rejection is stored with the key: "
          "a retry replays it, a new attempt needs a new key",
          outcome, message);
    case ledger::OutcomeClass::conflict:
      return fmt::format(
          "ledgerctl: error: idempotency conflict ({}): {}{}", outcome, message,
          result.differing_field.empty()
              ? ""
              : " (first differing field: " + one_line(result.differing_field) + ")");
    case ledger::OutcomeClass::malformed:
      return fmt::format("ledgerctl: error: malformed request ({}): {}", outcome, message);
  }
  return "ledgerctl: error: unknown outcome " + outcome;
}

}  // namespace

int exit_code_for(ledger::OutcomeClass outcome_class) {
  switch (outcome_class) {
    case ledger::OutcomeClass::done:
      return kExitDone;
    case ledger::OutcomeClass::rejected:
      return kExitRejected;
    case ledger::OutcomeClass::conflict:
      return kExitConflict;
    case ledger::OutcomeClass::malformed:
      return kExitUsage;
  }
  return kExitNotALedger;  // an outcome this tool does not know: treat as a bug
}

const char* class_name(ledger::OutcomeClass outcome_class) {
  switch (outcome_class) {
    case ledger::OutcomeClass::done:
      return "done";
    case ledger::OutcomeClass::rejected:
      return "rejected";
    case ledger::OutcomeClass::conflict:
      return "conflict";
    case ledger::OutcomeClass::malformed:
      return "malformed";
  }
  return "unknown";
}

json body_json(const std::string& body) {
  if (body.empty()) return nullptr;
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? json(body) : parsed;
}

json wrapper_json(const ledger::TransferResult& result, int exit_code) {
  return {{"replayed", result.replayed},
          {"outcome", ledger::to_string(result.outcome)},
          {"outcome_class", class_name(ledger::outcome_class(result.outcome))},
          {"exit_code", exit_code},
          {"sequence", result.sequence ? json(*result.sequence) : json(nullptr)},
          {"message", result.message},
          {"differing_field", result.differing_field},
          {"response", body_json(result.body)}};
}

int print_money_result(const Globals& globals, const ledger::TransferResult& result) {
  const int exit_code = exit_code_for(ledger::outcome_class(result.outcome));
  if (globals.json) {
    print_json(wrapper_json(result, exit_code));
  } else if (!result.body.empty()) {
    print_line(result.body);
  }
  flush_out();  // the body is out before the status line, for readers of both streams
  print_err_line(status_line(result));
  return exit_code;
}

std::int64_t parse_amount_of_row(ledger::Ledger& ledger, std::string_view option,
                                 std::string_view text, std::int64_t sequence,
                                 std::string_view list_hint, std::string_view omit_hint) {
  const std::vector<ledger::JournalEntry> rows = ledger.journal(sequence, 1);
  if (rows.empty() || rows.front().sequence != sequence) {
    throw CliError(kExitUsage,
                   fmt::format("there is no journal row {}, so {} has no currency to be read "
                               "in; check the sequence number ({}); nothing was stored",
                               sequence, option, list_hint));
  }
  const ledger::JournalEntry& row = rows.front();
  const std::int64_t minor = parse_money(option, text, row.currency, row.exponent);
  if (minor == 0) {
    throw CliError(kExitUsage,
                   fmt::format("{} must be more than 0 {}: {}", option, row.currency, omit_hint));
  }
  return minor;
}

}  // namespace ledgerctl
