// batch: many transfers in ONE commit (group commit), each with its own key and outcome.
//
// Every line of the input is checked first, with the engine's own field rules (a bad line
// exits 2 naming it, and nothing runs or is stored), then all of them go to the ledger in
// one transfer_batch call. Independent batches: each item stands alone. --linked:
// all-or-nothing; if one item fails, none moves money.
//
// The exit code is the highest of the items' exit codes (SPEC 7): 3 if any item hit an
// idempotency conflict, else 1 if any was rejected, else 0 (2 if the engine still found an
// item malformed). A conflict comes first because it means keys are being reused for other
// requests (a client bug, or a batch file edited after it was sent); a rejection is a
// normal, final business outcome.
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>

#include "batch_input.h"
#include "cli_advice.h"
#include "command.h"
#include "ledger_file.h"
#include "money_command.h"
#include "output.h"

namespace ledgerctl {
namespace {

using json = nlohmann::ordered_json;

struct BatchOptions {
  std::string file;
  bool linked = false;
};

// How the items ended, counted by outcome class.
struct Summary {
  std::int64_t created = 0;  // created now or replayed
  std::int64_t replayed = 0;
  std::int64_t rejected = 0;
  std::int64_t conflicts = 0;
  std::int64_t malformed = 0;
  int exit_code = kExitDone;
  // The item that made a linked batch fail: the first that failed for its own reason
  // rather than with linked_batch_failed.
  std::optional<std::size_t> cause;
};

Summary summarize(const std::vector<ledger::TransferResult>& results) {
  Summary summary;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const ledger::TransferResult& result = results[i];
    const ledger::OutcomeClass outcome_class = ledger::outcome_class(result.outcome);
    summary.replayed += result.replayed ? 1 : 0;
    summary.created += outcome_class == ledger::OutcomeClass::done ? 1 : 0;
    summary.rejected += outcome_class == ledger::OutcomeClass::rejected ? 1 : 0;
    summary.conflicts += outcome_class == ledger::OutcomeClass::conflict ? 1 : 0;
    summary.malformed += outcome_class == ledger::OutcomeClass::malformed ? 1 : 0;
    // SPEC 7's codes are already in priority order: conflict 3, malformed 2, rejected 1.
    summary.exit_code = std::max(summary.exit_code, exit_code_for(outcome_class));
    if (!summary.cause && outcome_class != ledger::OutcomeClass::done &&
        result.outcome != ledger::Outcome::linked_batch_failed) {
      summary.cause = i;
    }
  }
  return summary;
}

json item_json(const BatchItem& item, const ledger::TransferResult& result) {
  return {{"line", item.line},
          {"outcome", ledger::to_string(result.outcome)},
          {"outcome_class", class_name(ledger::outcome_class(result.outcome))},
          {"replayed", result.replayed},
          {"sequence", result.sequence ? json(*result.sequence) : json(nullptr)},
          {"message", result.message},
          {"response", body_json(result.body)}};
}

std::string counts_text(const std::vector<BatchItem>& items, const Summary& s, bool linked) {
  return fmt::format(
      "{}batch of {} in one commit: {} created, {} rejected, {} conflicts, {} "
      "malformed ({} of them replays of stored outcomes)",
      linked ? "linked " : "", items.size(), s.created, s.rejected, s.conflicts, s.malformed,
      s.replayed);
}

// The stderr line: the counts, and what to do about the items that were not done.
std::string summary_line(const std::vector<BatchItem>& items,
                         const std::vector<ledger::TransferResult>& results, const Summary& s,
                         bool linked) {
  const std::string counts = counts_text(items, s, linked);
  if (s.exit_code == kExitDone) return "ledgerctl: " + counts;
  if (linked && s.cause) {
    const ledger::TransferResult& cause = results[*s.cause];
    const bool stored = ledger::outcome_class(cause.outcome) == ledger::OutcomeClass::rejected;
    return fmt::format(
        "ledgerctl: {}: line {} failed ({}: {}), so no item moved money; {}", counts,
        items[*s.cause].line, ledger::to_string(cause.outcome),
        one_line(cause.message) + cli_advice(cause.outcome),
        stored ? "the outcomes are stored with their keys: a retry replays them, a new "
                 "attempt needs new keys"
               : "nothing was stored: fix that line and run the batch again with the same keys");
  }
  return fmt::format(
      "ledgerctl: {}; exit {} (the highest of the items': conflict 3, malformed 2, rejected "
      "1): see each line's outcome; rejections are stored with their keys, malformed and "
      "conflicting items stored nothing",
      counts, s.exit_code);
}

json document_json(const std::vector<BatchItem>& items,
                   const std::vector<ledger::TransferResult>& results, const Summary& s,
                   bool linked) {
  json list = json::array();
  for (std::size_t i = 0; i < items.size(); ++i) list.push_back(item_json(items[i], results[i]));
  return {{"mode", linked ? "linked" : "independent"},
          {"items", items.size()},
          {"created", s.created},
          {"replayed", s.replayed},
          {"rejected", s.rejected},
          {"conflicts", s.conflicts},
          {"malformed", s.malformed},
          {"exit_code", s.exit_code},
          {"results", list}};
}

int run_batch(const Globals& globals, const BatchOptions& options) {
  const std::vector<BatchItem> items = read_batch(options.file);  // usage errors first
  std::vector<ledger::TransferRequest> requests;
  requests.reserve(items.size());
  for (const auto& item : items) requests.push_back(item.request);
  ledger::Ledger ledger = open_existing(globals);
  const auto mode = options.linked ? ledger::BatchMode::linked : ledger::BatchMode::independent;
  const std::vector<ledger::TransferResult> results = ledger.transfer_batch(requests, mode);
  if (results.size() != items.size()) {  // a broken engine contract: run() reports a bug
    throw std::logic_error(fmt::format("transfer_batch returned {} results for {} requests",
                                       results.size(), items.size()));
  }
  return print_batch_results(globals, items, results, options.linked);
}

// The input and output formats, in the help before the example.
constexpr const char* kBatchFormats =
    "Each line of FILE is one transfer: {\"principal\",\"key\",\"from\",\"to\",\"amount\","
    "\"currency\",\"memo\"} (memo optional; amount a decimal string such as \"12.34\"). "
    "Every line is checked first: a bad line exits 2 naming it, and nothing is stored. At most "
    "10000 transfers, 1 MiB per line, 64 MiB in all.\n"
    "Prints one result per line, in input order: {\"line\",\"outcome\",\"outcome_class\","
    "\"replayed\",\"sequence\",\"message\",\"response\"}; with --json one document: "
    "{\"mode\",\"items\",\"created\",\"replayed\",\"rejected\",\"conflicts\","
    "\"malformed\",\"exit_code\",\"results\"}.\n"
    "Exits with the highest code of its items: 3 if any conflict, else 1 if any rejected, "
    "else 0.\n\n";

}  // namespace

int print_batch_results(const Globals& globals, const std::vector<BatchItem>& items,
                        const std::vector<ledger::TransferResult>& results, bool linked) {
  const Summary summary = summarize(results);
  if (globals.json) {
    print_json(document_json(items, results, summary, linked));
  } else {
    for (std::size_t i = 0; i < items.size(); ++i) print_json(item_json(items[i], results[i]));
  }
  flush_out();  // the results are out before the summary, for readers of both streams
  print_err_line(summary_line(items, results, summary, linked));
  return summary.exit_code;
}

void add_batch_command(CLI::App& app, Globals& globals, Action& chosen) {
  auto options = std::make_shared<BatchOptions>();
  CLI::App* batch = add_command(
      app, "batch",
      "Send many transfers in one commit (JSON Lines; - reads stdin), each with its own key "
      "and outcome; --linked: all or nothing.",
      "  ledgerctl batch day-close.jsonl --linked\n"
      "  echo '{\"principal\":\"till:7\",\"key\":\"close-7-0501\",\"from\":\"till:7\","
      "\"to\":\"safe\",\"amount\":\"250.00\",\"currency\":\"EUR\"}' | ledgerctl batch -",
      chosen, [&globals, options] { return run_batch(globals, *options); });
  batch->footer(kBatchFormats + batch->get_footer());
  batch->add_option("FILE", options->file, "JSON Lines file, or - for standard input")
      ->type_name("FILE")
      ->required();
  batch->add_flag("--linked", options->linked,
                  "all-or-nothing: if any item fails, no item moves money and each item's "
                  "outcome says why");
}

}  // namespace ledgerctl
