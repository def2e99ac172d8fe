// transfer: move money exactly once per (principal, key).
//
// stdout carries the stored response body, byte for byte as the engine stored it, so that
// a retry after a lost reply prints exactly what the first execution printed. Whether
// this was a replay goes to stderr (or, with --json, into the wrapper document).
#include <fmt/format.h>

#include <memory>

#include "command.h"
#include "input.h"
#include "ledger_file.h"
#include "money_command.h"

namespace ledgerctl {
namespace {

struct TransferOptions {
  std::string principal;
  std::string key;
  std::string from;
  std::string to;
  std::string amount;
  std::string currency;
  std::string memo;
};

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
  return print_money_result(globals, ledger.transfer(request));
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
