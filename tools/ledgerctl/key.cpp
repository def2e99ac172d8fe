// key issue | show | list | purge
#include <fmt/format.h>

#include <memory>
#include <optional>

#include "command.h"
#include "documents.h"
#include "input.h"
#include "ledger_file.h"
#include "output.h"

namespace ledgerctl {
namespace {

using json = nlohmann::ordered_json;

constexpr std::int64_t kMaxSeconds = 100LL * 365 * 24 * 3600;  // keeps ms arithmetic in range

struct IssueOptions {
  std::string principal;
  std::string operation;
  std::optional<std::string> ttl_seconds;
};

struct ListOptions {
  std::optional<std::string> principal;
  std::optional<std::string> state;
  std::string limit = "1000";
};

ledger::KeyState parse_state(const std::string& text) {
  for (const auto state :
       {ledger::KeyState::issued, ledger::KeyState::completed, ledger::KeyState::expired}) {
    if (text == key_state_name(state)) return state;
  }
  throw CliError(kExitUsage, fmt::format("--state \"{}\" is not a key state: use issued, "
                                         "completed or expired",
                                         one_line(text)));
}

std::string time_or_dash(const std::optional<std::int64_t>& epoch_ms) {
  return epoch_ms ? format_time_ms(*epoch_ms) : "-";
}

int run_issue(const Globals& globals, const IssueOptions& options) {
  std::optional<std::int64_t> ttl;
  if (options.ttl_seconds) ttl = parse_count("--ttl", *options.ttl_seconds, 1, kMaxSeconds);
  ledger::Ledger ledger = open_existing(globals);
  const ledger::KeyRecord record = ledger.issue_key(options.principal, options.operation, ttl);
  if (globals.json) {
    print_json(key_json(record));
  } else {
    print_line(
        record.key);  // alone, so that scripts can capture it: KEY=$(ledgerctl key issue ...)
  }
  return kExitDone;
}

int run_show(const Globals& globals, const std::string& key, const std::string& principal) {
  ledger::Ledger ledger = open_for_reading(globals);
  const std::optional<ledger::KeyRecord> record = ledger.find_key(principal, key);
  if (!record) {
    throw CliError(kExitUsage,
                   fmt::format("no key {} for principal {}; list that principal's "
                               "keys with `ledgerctl key list --principal {}`",
                               one_line(key), one_line(principal), one_line(principal)));
  }
  if (globals.json) {
    print_json(key_json(*record));
    return kExitDone;
  }
  print_fields({{"principal", record->principal},
                {"key", record->key},
                {"operation", record->operation},
                {"origin", record->issued ? "issued by the engine" : "supplied by the client"},
                {"state", key_state_name(record->state)},
                {"result", record->result.empty() ? "-" : record->result},
                {"transfer sequence",
                 record->transfer_sequence ? std::to_string(*record->transfer_sequence) : "-"},
                {"created at", format_time_ms(record->created_at_ms)},
                {"expires at", time_or_dash(record->expires_at_ms)},
                {"completed at", time_or_dash(record->completed_at_ms)},
                {"response", record->response.empty() ? "-" : record->response}});
  return kExitDone;
}

void print_key_table(const std::vector<ledger::KeyRecord>& records) {
  Table table({{"PRINCIPAL"},
               {"KEY"},
               {"OPERATION"},
               {"ORIGIN"},
               {"STATE"},
               {"RESULT"},
               {"SEQ", Table::Align::right},
               {"CREATED"},
               {"EXPIRES"}});
  for (const auto& r : records) {
    table.add_row({r.principal, r.key, r.operation, r.issued ? "issued" : "client",
                   key_state_name(r.state), r.result.empty() ? "-" : r.result,
                   r.transfer_sequence ? std::to_string(*r.transfer_sequence) : "-",
                   format_time_ms(r.created_at_ms), time_or_dash(r.expires_at_ms)});
  }
  table.print();
}

int run_list(const Globals& globals, const ListOptions& options) {
  ledger::KeyFilter filter;
  filter.principal = options.principal;
  if (options.state) filter.state = parse_state(*options.state);
  filter.limit = parse_count("--limit", options.limit, 1, 1000000);
  ledger::Ledger ledger = open_for_reading(globals);
  const std::vector<ledger::KeyRecord> records = ledger.list_keys(filter);
  const bool truncated = static_cast<std::int64_t>(records.size()) == filter.limit;
  if (globals.json) {
    json list = json::array();
    for (const auto& record : records) list.push_back(key_json(record));
    print_json({{"keys", list}, {"limit", filter.limit}, {"truncated", truncated}});
    return kExitDone;
  }
  if (records.empty()) {
    print_line("no keys match");
    return kExitDone;
  }
  print_key_table(records);
  if (truncated) {
    print_err_line(
        fmt::format("ledgerctl: note: showing the first {} keys; raise --limit to see "
                    "more",
                    filter.limit));
  }
  return kExitDone;
}

int run_purge(const Globals& globals, const std::optional<std::string>& older_than) {
  std::optional<std::int64_t> seconds;
  if (older_than) seconds = parse_count("--older-than", *older_than, 0, kMaxSeconds);
  ledger::Ledger ledger = open_existing(globals);
  const ledger::PurgeReport report = ledger.purge_keys(seconds);
  if (globals.json) {
    print_json({{"expired_issued_keys", report.expired_issued_keys},
                {"purged_rejections", report.purged_rejections}});
  } else {
    print_line(
        fmt::format("purged: {} unused issued keys past their TTL and {} stored "
                    "rejections are now tombstones (they refuse their key forever); "
                    "keys that moved money are never purged",
                    report.expired_issued_keys, report.purged_rejections));
  }
  return kExitDone;
}

void add_issue(CLI::App& group, Globals& globals, Action& chosen) {
  auto options = std::make_shared<IssueOptions>();
  CLI::App* issue =
      add_command(group, "issue", "Issue a fresh random idempotency key; prints the key alone.",
                  "  KEY=$(ledgerctl key issue --principal till:7 --operation transfer --ttl 3600)",
                  chosen, [&globals, options] { return run_issue(globals, *options); });
  issue->add_option("--principal", options->principal, "who will use the key, e.g. till:7")
      ->required();
  issue->add_option("--operation", options->operation, "what it is for, e.g. transfer")->required();
  issue
      ->add_option("--ttl", options->ttl_seconds,
                   "seconds until an unused key expires (default: 24 h)")
      ->type_name("SECONDS");
}

void add_list(CLI::App& group, Globals& globals, Action& chosen) {
  auto options = std::make_shared<ListOptions>();
  CLI::App* list = add_command(group, "list", "List idempotency keys (at most --limit of them).",
                               "  ledgerctl key list --principal till:7 --state completed", chosen,
                               [&globals, options] { return run_list(globals, *options); });
  list->add_option("--principal", options->principal, "only this principal's keys");
  list->add_option("--state", options->state, "issued, completed or expired")->type_name("STATE");
  list->add_option("--limit", options->limit, "at most this many keys (default 1000)")
      ->type_name("N");
}

}  // namespace

void add_key_commands(CLI::App& app, Globals& globals, Action& chosen) {
  CLI::App* group = add_group(app, "key", "Issue, show, list and purge idempotency keys.",
                              "  ledgerctl key issue --principal till:7 --operation transfer\n"
                              "  ledgerctl key list --state issued");
  add_issue(*group, globals, chosen);
  auto key = std::make_shared<std::string>();
  auto principal = std::make_shared<std::string>();
  CLI::App* show = add_command(
      *group, "show", "Show one key of one principal, with its stored outcome and response.",
      "  ledgerctl key show 0190a1b2-... --principal till:7", chosen,
      [&globals, key, principal] { return run_show(globals, *key, *principal); });
  show->add_option("KEY", *key, "the idempotency key")->required();
  show->add_option("--principal", *principal, "the key's principal (keys are per principal)")
      ->required();
  add_list(*group, globals, chosen);
  auto older_than = std::make_shared<std::optional<std::string>>();
  CLI::App* purge =
      add_command(*group, "purge",
                  "Turn unused issued keys past their TTL, and stored rejections older than "
                  "--older-than, into tombstones. Keys that moved money are kept forever.",
                  "  ledgerctl key purge --older-than 604800", chosen,
                  [&globals, older_than] { return run_purge(globals, *older_than); });
  purge
      ->add_option("--older-than", *older_than,
                   "seconds a stored rejection is kept (default: 24 h)")
      ->type_name("SECONDS");
}

}  // namespace ledgerctl
