// transfer: move money exactly once per (principal, key).
//
// stdout carries the stored response body, byte for byte as the engine stored it, so that
// a retry after a lost reply prints exactly what the first execution printed. Whether
// this was a replay goes to stderr (or, with --json, into the wrapper document).
#include <fmt/format.h>

#include <memory>

#include "command.h"
#include "context.h"
#include "input.h"
#include "output.h"

namespace ledgerctl {
namespace {

using json = nlohmann::ordered_json;

struct TransferOptions {
  std::string principal;
  std::string key;
  std::string from;
  std::string to;
  std::string amount;
  std::string currency;
  std::string memo;
};

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

std::string sequence_text(const ledger::TransferResult& result) {
  return result.sequence ? fmt::format(" (journal sequence {})", *result.sequence) : "";
}

// The stderr line that says what happened. The engine's messages for conflicts and
// malformed requests already say what to do; rejections get the rule for retries added.
std::string status_line(const ledger::TransferResult& result) {
  const std::string outcome = ledger::to_string(result.outcome);
  const std::string message = one_line(result.message);
  const std::string replay = "replayed: stored response of an earlier execution";
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

// The --json document: {"replayed","outcome","outcome_class","exit_code","sequence",
// "message","differing_field","response"}, where "response" is the body as a JSON value.
json wrapper_json(const ledger::TransferResult& result, int exit_code) {
  json response = nullptr;
  if (!result.body.empty()) {
    response = json::parse(result.body, nullptr, /*allow_exceptions=*/false);
    if (response.is_discarded()) response = result.body;
  }
  return {{"replayed", result.replayed},
          {"outcome", ledger::to_string(result.outcome)},
          {"outcome_class", class_name(ledger::outcome_class(result.outcome))},
          {"exit_code", exit_code},
          {"sequence", result.sequence ? json(*result.sequence) : json(nullptr)},
          {"message", result.message},
          {"differing_field", result.differing_field},
          {"response", response}};
}

ledger::TransferRequest request_from(const TransferOptions& options) {
  const int exponent = currency_exponent_or_throw(options.currency);
  ledger::TransferRequest request;
  request.principal = options.principal;
  request.key = options.key;
  request.debit_account = options.from;
  request.credit_account = options.to;
  request.amount_minor = parse_money("--amount", options.amount, options.currency, exponent);
  request.currency = options.currency;
  request.memo = options.memo;
  return request;
}

int run_transfer(const Globals& globals, const TransferOptions& options) {
  const ledger::TransferRequest request = request_from(options);  // usage errors first
  ledger::Ledger ledger = open_existing(globals);
  const ledger::TransferResult result = ledger.transfer(request);
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

}  // namespace

void add_transfer_command(CLI::App& app, Globals& globals, Action& chosen) {
  auto options = std::make_shared<TransferOptions>();
  CLI::App* transfer = add_command(
      app, "transfer",
      "Move money from one account to another exactly once per (principal, key). Prints "
      "the stored response; a retry with the same key replays it byte for byte.",
      "  ledgerctl transfer --principal till:7 --key \"$KEY\" --from customer:42 --to till:7 "
      "--amount 12.34 --currency EUR --memo 'receipt 1001'",
      chosen, [&globals, options] { return run_transfer(globals, *options); });
  transfer->add_option("--principal", options->principal, "who is asking, e.g. till:7")->required();
  transfer->add_option("--key", options->key, "idempotency key (1..255 printable ASCII)")
      ->required();
  transfer->add_option("--from", options->from, "account debited (money leaves)")->required();
  transfer->add_option("--to", options->to, "account credited (money enters)")->required();
  transfer->add_option("--amount", options->amount, "decimal amount, e.g. 12.34")
      ->type_name("AMOUNT")
      ->required();
  transfer->add_option("--currency", options->currency, "ISO 4217 code of both accounts")
      ->type_name("CUR")
      ->required();
  transfer->add_option("--memo", options->memo, "free text stored in the journal")
      ->type_name("TEXT");
}

}  // namespace ledgerctl
