// ledgerctl --remote: transfer, pending reserve|post|void and reverse through ledgerd.
//
// Usage errors that need no server (a bad amount, an unknown currency, a bad sequence)
// exit 2 before anything is sent, as in the local mode. The key is chosen (or taken from
// --key) before the first attempt and printed on stderr, so that an operator whose command
// died can run it again with the same key: it then replays instead of moving money twice.
#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

#include "input.h"
#include "money_command.h"
#include "output.h"
#include "remote.h"

namespace ledgerctl {
namespace {

constexpr std::int64_t kMaxSeconds = 100LL * 365 * 24 * 3600;

struct MoveOptions {  // transfer and pending reserve
  std::string principal;
  std::string key;
  std::string from;
  std::string to;
  std::string amount;
  std::string currency;
  std::string memo;
  std::optional<std::string> timeout_seconds;  // reserve only
};

struct StepOptions {  // pending post|void, reverse
  std::string principal;
  std::string key;
  std::string sequence;
  std::optional<std::string> amount;  // post, reverse
  std::string memo;
};

ledger::TransferCall call_from(const MoveOptions& options) {
  const int exponent = currency_exponent_or_throw(options.currency);
  ledger::TransferCall call;
  call.from = options.from;
  call.to = options.to;
  call.amount_minor = parse_money("--amount", options.amount, options.currency, exponent);
  call.currency = options.currency;
  call.memo = options.memo;
  return call;
}

int run_transfer(const RemoteGlobals& globals, const MoveOptions& options) {
  ledger::TransferCall call = call_from(options);  // usage errors first
  ledger::Client client = connect(globals);
  check_principal(client, options.principal);
  call.key = key_or_new(client, globals, options.key, "transfer");
  return print_remote_money_result(globals, client.transfer(call), "transfer");
}

int run_reserve(const RemoteGlobals& globals, const MoveOptions& options) {
  ledger::ReserveCall call;
  call.transfer = call_from(options);
  if (options.timeout_seconds) {
    call.timeout_seconds = parse_count("--timeout", *options.timeout_seconds, 1, kMaxSeconds);
  }
  ledger::Client client = connect(globals);
  check_principal(client, options.principal);
  call.transfer.key = key_or_new(client, globals, options.key, "reserve");
  return print_remote_money_result(globals, client.reserve(call), "pending reserve");
}

// post, void and reverse: a step on journal row --pending / --transfer. A partial
// --amount goes to the server as typed: only the server knows that row's currency.
int run_step(const RemoteGlobals& globals, const StepOptions& options, const char* option,
             const std::string& operation) {
  ledger::StepCall call;
  call.sequence = parse_count(option, options.sequence, 1);
  call.amount = options.amount;
  call.memo = options.memo;
  ledger::Client client = connect(globals);
  check_principal(client, options.principal);
  call.key = key_or_new(client, globals, options.key, operation);
  if (operation == "post")
    return print_remote_money_result(globals, client.post(call), "pending post");
  if (operation == "void") {
    return print_remote_money_result(globals, client.void_pending(call), "pending void");
  }
  return print_remote_money_result(globals, client.reverse(call), "reverse");
}

void add_key_options(CLI::App& command, std::string& principal, std::string& key) {
  command.add_option("--principal", principal,
                     "optional: must be the token's principal (checked with the server)");
  command.add_option("--key", key,
                     "idempotency key (default: a new one, printed on stderr; give it again "
                     "to retry the same operation)");
}

void add_move_options(CLI::App& command, MoveOptions& options) {
  add_key_options(command, options.principal, options.key);
  command.add_option("--from", options.from, "account debited (money leaves)")->required();
  command.add_option("--to", options.to, "account credited (money enters)")->required();
  command.add_option("--amount", options.amount, "decimal amount, e.g. 12.34")
      ->type_name("AMOUNT")
      ->required();
  command.add_option("--currency", options.currency, "ISO 4217 code of both accounts")
      ->type_name("CUR")
      ->required();
  command.add_option("--memo", options.memo, "free text stored in the journal")->type_name("TEXT");
}

void add_step_options(CLI::App& command, StepOptions& options, const char* option,
                      const char* what) {
  add_key_options(command, options.principal, options.key);
  command.add_option(option, options.sequence, what)->type_name("SEQ")->required();
  command.add_option("--memo", options.memo, "free text stored in the journal")->type_name("TEXT");
}

void add_pending(CLI::App& app, RemoteGlobals& globals, RemoteAction& chosen) {
  CLI::App* group = app.add_subcommand("pending", "Two-phase transfers through the server.");
  group->require_subcommand(1);
  auto reserve = std::make_shared<MoveOptions>();
  CLI::App* reserve_command = add_remote_command(
      *group, "reserve", "Hold funds on the debit account.",
      "  ledgerctl --remote http://10.0.0.5:8080 pending reserve --from card:4711 --to fuel "
      "--amount 100.00 --currency EUR --timeout 3600",
      chosen, [&globals, reserve] { return run_reserve(globals, *reserve); });
  add_move_options(*reserve_command, *reserve);
  reserve_command
      ->add_option("--timeout", reserve->timeout_seconds,
                   "seconds until an unposted hold expires (default 604800, 7 days)")
      ->type_name("SECONDS");
  auto post = std::make_shared<StepOptions>();
  CLI::App* post_command = add_remote_command(
      *group, "post", "Capture a hold: all of it, or --amount less.",
      "  ledgerctl --remote http://10.0.0.5:8080 pending post --pending 12 --amount 61.40", chosen,
      [&globals, post] { return run_step(globals, *post, "--pending", "post"); });
  add_step_options(*post_command, *post, "--pending", "journal sequence of the reserve");
  post_command
      ->add_option("--amount", post->amount,
                   "amount to capture, in the hold's currency (default: all of it)")
      ->type_name("AMOUNT");
  auto cancel = std::make_shared<StepOptions>();
  CLI::App* void_command = add_remote_command(
      *group, "void", "Release a hold without moving money.",
      "  ledgerctl --remote http://10.0.0.5:8080 pending void --pending 14", chosen,
      [&globals, cancel] { return run_step(globals, *cancel, "--pending", "void"); });
  add_step_options(*void_command, *cancel, "--pending", "journal sequence of the reserve");
}

}  // namespace

int print_remote_money_result(const RemoteGlobals& globals, const ledger::Reply& reply,
                              const std::string& what) {
  report_retries(reply);
  return print_money_result(globals.output, money_result(reply, what));
}

void add_remote_money_commands(CLI::App& app, RemoteGlobals& globals, RemoteAction& chosen) {
  auto transfer = std::make_shared<MoveOptions>();
  CLI::App* transfer_command = add_remote_command(
      app, "transfer",
      "Move money exactly once per key through the server; prints the stored response.",
      "  ledgerctl --remote http://10.0.0.5:8080 --token \"$TOKEN\" transfer --from customer:42 "
      "--to till:7 --amount 12.34 --currency EUR --memo 'receipt 1001'",
      chosen, [&globals, transfer] { return run_transfer(globals, *transfer); });
  add_move_options(*transfer_command, *transfer);
  add_pending(app, globals, chosen);
  auto reverse = std::make_shared<StepOptions>();
  CLI::App* reverse_command = add_remote_command(
      app, "reverse", "Refund a posted transfer fully or in part.",
      "  ledgerctl --remote http://10.0.0.5:8080 reverse --transfer 42 --amount 4.99", chosen,
      [&globals, reverse] { return run_step(globals, *reverse, "--transfer", "reverse"); });
  add_step_options(*reverse_command, *reverse, "--transfer",
                   "journal sequence of the sale to refund");
  reverse_command
      ->add_option("--amount", reverse->amount,
                   "amount to refund, in the sale's currency (default: all not yet refunded)")
      ->type_name("AMOUNT");
}

}  // namespace ledgerctl
