// pending reserve | post | void | list | expire: two-phase transfers (card pre-authorisation).
//
// reserve holds funds on the debit account (its available balance drops, its posted
// balance does not); post captures all of the hold or less (the rest is released); void
// releases it; a hold past its timeout expires. Each step takes its own idempotency key and
// prints its stored response like `transfer`.
#include <fmt/format.h>

#include <memory>
#include <optional>

#include "command.h"
#include "documents.h"
#include "input.h"
#include "ledger_file.h"
#include "money_command.h"
#include "output.h"

namespace ledgerctl {
namespace {

using json = nlohmann::ordered_json;

constexpr std::int64_t kMaxSeconds = 100LL * 365 * 24 * 3600;  // keeps ms arithmetic in range
constexpr const char* kListHint = "list holds with `ledgerctl pending list`";

struct ReserveOptions {
  std::string principal;
  std::string key;
  std::string from;
  std::string to;
  std::string amount;
  std::string currency;
  std::string memo;
  std::optional<std::string> timeout_seconds;
};

// post and void: a step on an existing hold.
struct StepOptions {
  std::string principal;
  std::string key;
  std::string pending;
  std::optional<std::string> amount;  // post only
  std::string memo;
};

struct ListOptions {
  std::optional<std::string> state;
  std::string limit = "1000";
};

int run_reserve(const Globals& globals, const ReserveOptions& options) {
  const int exponent = currency_exponent_or_throw(options.currency);  // usage errors first
  ledger::ReserveRequest request;
  request.principal = options.principal;
  request.key = options.key;
  request.debit_account = options.from;
  request.credit_account = options.to;
  request.amount_minor = parse_money("--amount", options.amount, options.currency, exponent);
  request.currency = options.currency;
  request.memo = options.memo;
  if (options.timeout_seconds) {
    request.timeout_seconds = parse_count("--timeout", *options.timeout_seconds, 1, kMaxSeconds);
  }
  ledger::Ledger ledger = open_existing(globals);
  return print_money_result(globals, ledger.reserve(request));
}

int run_post(const Globals& globals, const StepOptions& options) {
  ledger::PostRequest request;
  request.principal = options.principal;
  request.key = options.key;
  request.pending_sequence = parse_count("--pending", options.pending, 1);
  request.memo = options.memo;
  ledger::Ledger ledger = open_existing(globals);
  // The digits of --amount mean nothing until the hold's currency is known.
  if (options.amount) {
    request.amount_minor =
        parse_amount_of_row(ledger, "--amount", *options.amount, request.pending_sequence,
                            kListHint, "omit --amount to post the whole hold");
  }
  return print_money_result(globals, ledger.post(request));
}

int run_void(const Globals& globals, const StepOptions& options) {
  ledger::VoidRequest request;
  request.principal = options.principal;
  request.key = options.key;
  request.pending_sequence = parse_count("--pending", options.pending, 1);
  request.memo = options.memo;
  ledger::Ledger ledger = open_existing(globals);
  return print_money_result(globals, ledger.void_pending(request));
}

ledger::PendingState parse_state(const std::string& text) {
  if (const auto state = pending_state_named(text)) return *state;
  throw CliError(kExitUsage, fmt::format("--state \"{}\" is not a pending transfer state: use "
                                         "pending, posted, voided or expired",
                                         one_line(text)));
}

void print_pending_table(const std::vector<ledger::PendingTransfer>& rows) {
  Table table({{"SEQ", Table::Align::right},
               {"STATE"},
               {"FROM"},
               {"TO"},
               {"AMOUNT", Table::Align::right},
               {"POSTED", Table::Align::right},
               {"CUR"},
               {"EXPIRES"},
               {"DONE BY", Table::Align::right},
               {"PRINCIPAL"},
               {"KEY"},
               {"MEMO"}});
  for (const auto& p : rows) {
    const bool posted = p.state == ledger::PendingState::posted;
    table.add_row({std::to_string(p.sequence), ledger::to_string(p.state), p.debit_account,
                   p.credit_account, ledger::format_amount(p.amount_minor, p.exponent),
                   posted ? ledger::format_amount(p.posted_amount_minor, p.exponent) : "-",
                   p.currency, format_time_ms(p.expires_at_ms),
                   p.finished_sequence ? std::to_string(*p.finished_sequence) : "-", p.principal,
                   p.key, p.memo});
  }
  table.print();
}

int run_list(const Globals& globals, const ListOptions& options) {
  std::optional<ledger::PendingState> state;
  if (options.state) state = parse_state(*options.state);
  const std::int64_t limit = parse_count("--limit", options.limit, 1, 1000000);
  ledger::Ledger ledger = open_for_reading(globals);
  const std::vector<ledger::PendingTransfer> rows = ledger.list_pending(state, limit);
  const bool truncated = static_cast<std::int64_t>(rows.size()) == limit;
  if (globals.json) {
    json list = json::array();
    for (const auto& row : rows) list.push_back(pending_json(row));
    print_json({{"pending", list}, {"limit", limit}, {"truncated", truncated}});
    return kExitDone;
  }
  if (rows.empty()) {
    print_line(state ? "no pending transfers in that state"
                     : "no pending transfers yet: hold funds with `ledgerctl pending reserve`");
    return kExitDone;
  }
  print_pending_table(rows);
  if (truncated) {
    print_err_line(fmt::format(
        "ledgerctl: note: showing the newest {} pending transfers; raise --limit to see more",
        limit));
  }
  return kExitDone;
}

int run_expire(const Globals& globals) {
  ledger::Ledger ledger = open_existing(globals);
  const std::int64_t expired = ledger.expire_pending();
  if (globals.json) {
    print_json({{"expired", expired}});
  } else {
    print_line(
        fmt::format("expired {} pending transfer(s) past their timeout; their held "
                    "funds are available again",
                    expired));
  }
  return kExitDone;
}

// --principal and --key, the options every money command has.
void add_key_options(CLI::App& command, std::string& principal, std::string& key) {
  command.add_option("--principal", principal, "who is asking, e.g. till:7")->required();
  command.add_option("--key", key, "idempotency key of this step (1..255 printable ASCII)")
      ->required();
}

void add_reserve(CLI::App& group, Globals& globals, Action& chosen) {
  auto options = std::make_shared<ReserveOptions>();
  CLI::App* reserve = add_command(
      group, "reserve",
      "Hold funds (a card pre-authorisation): the debit account's available balance drops, "
      "its posted balance does not. Prints the stored response; its \"pending_id\" is the "
      "SEQ that post and void take.",
      "  ledgerctl pending reserve --principal pump:3 --key preauth-881 --from card:4711 "
      "--to fuel --amount 100.00 --currency EUR --memo 'pump 3' --timeout 3600",
      chosen, [&globals, options] { return run_reserve(globals, *options); });
  add_key_options(*reserve, options->principal, options->key);
  reserve->add_option("--from", options->from, "account whose funds are held")->required();
  reserve->add_option("--to", options->to, "account credited when the hold is posted")->required();
  reserve->add_option("--amount", options->amount, "decimal amount to hold, e.g. 100.00")
      ->type_name("AMOUNT")
      ->required();
  reserve->add_option("--currency", options->currency, "ISO 4217 code of both accounts")
      ->type_name("CUR")
      ->required();
  reserve->add_option("--memo", options->memo, "free text stored in the journal")
      ->type_name("TEXT");
  reserve
      ->add_option("--timeout", options->timeout_seconds,
                   "seconds until an unposted hold expires (default 604800, 7 days)")
      ->type_name("SECONDS");
}

// The options of post and void, which act on the hold --pending SEQ.
void add_step_options(CLI::App& step, StepOptions& options) {
  add_key_options(step, options.principal, options.key);
  step.add_option("--pending", options.pending, "journal sequence of the reserve (pending_id)")
      ->type_name("SEQ")
      ->required();
  step.add_option("--memo", options.memo, "free text stored in the journal")->type_name("TEXT");
}

void add_post(CLI::App& group, Globals& globals, Action& chosen) {
  auto options = std::make_shared<StepOptions>();
  CLI::App* post = add_command(
      group, "post",
      "Capture a hold once: all of it, or --amount less (the rest is released). Posting a "
      "posted, voided or expired hold is a stored rejection (exit 1).",
      "  ledgerctl pending post --principal pump:3 --key capture-881 --pending 12 --amount 61.40",
      chosen, [&globals, options] { return run_post(globals, *options); });
  add_step_options(*post, *options);
  post->add_option("--amount", options->amount,
                   "amount to capture, in the hold's currency (default: all of it)")
      ->type_name("AMOUNT");
}

void add_void(CLI::App& group, Globals& globals, Action& chosen) {
  auto options = std::make_shared<StepOptions>();
  CLI::App* cancel = add_command(
      group, "void",
      "Release a hold without moving money (a cancelled sale). Voiding a posted, voided or "
      "expired hold is a stored rejection (exit 1).",
      "  ledgerctl pending void --principal hotel --key cancel-5512 --pending 14", chosen,
      [&globals, options] { return run_void(globals, *options); });
  add_step_options(*cancel, *options);
}

void add_list(CLI::App& group, Globals& globals, Action& chosen) {
  auto options = std::make_shared<ListOptions>();
  CLI::App* list = add_command(
      group, "list", "List pending transfers, newest first (at most --limit of them).",
      "  ledgerctl pending list --state pending\n"
      "  ledgerctl pending list --json   # {\"pending\":[...],\"limit\":N,\"truncated\":bool}",
      chosen, [&globals, options] { return run_list(globals, *options); });
  list->add_option("--state", options->state,
                   "pending, posted, voided or expired (a hold past its timeout is expired)")
      ->type_name("STATE");
  list->add_option("--limit", options->limit, "at most this many (default 1000)")->type_name("N");
}

}  // namespace

void add_pending_commands(CLI::App& app, Globals& globals, Action& chosen) {
  CLI::App* group =
      add_group(app, "pending",
                "Two-phase transfers: reserve (hold funds), then post (capture) or void "
                "(release); a hold past its timeout expires. Each step takes its own key.",
                "  ledgerctl pending reserve --principal pump:3 --key preauth-881 --from "
                "card:4711 --to fuel --amount 100.00 --currency EUR\n"
                "  ledgerctl pending post --principal pump:3 --key capture-881 --pending 12 "
                "--amount 61.40\n"
                "  ledgerctl pending list --state pending");
  add_reserve(*group, globals, chosen);
  add_post(*group, globals, chosen);
  add_void(*group, globals, chosen);
  add_list(*group, globals, chosen);
  add_command(*group, "expire",
              "Expire every hold past its timeout now, releasing its funds (holds also expire "
              "by themselves when their account or the hold is next used).",
              "  ledgerctl pending expire\n  ledgerctl pending expire --json   # {\"expired\":N}",
              chosen, [&globals] { return run_expire(globals); });
}

}  // namespace ledgerctl
