// reverse: refund a posted transfer, fully or in parts, exactly once per (principal, key).
//
// A refund is a new compensating journal row (kind "reverse", referencing the original);
// journal rows are never edited, and the total refunded never exceeds the original amount
// (a refund beyond it is a stored rejection, exit 1).
#include <memory>
#include <optional>

#include "command.h"
#include "input.h"
#include "ledger_file.h"
#include "money_command.h"

namespace ledgerctl {
namespace {

struct ReverseOptions {
  std::string principal;
  std::string key;
  std::string transfer;
  std::optional<std::string> amount;
  std::string memo;
};

int run_reverse(const Globals& globals, const ReverseOptions& options) {
  ledger::ReverseRequest request;
  request.principal = options.principal;
  request.key = options.key;
  request.original_sequence = parse_count("--transfer", options.transfer, 1);
  request.memo = options.memo;
  ledger::Ledger ledger = open_existing(globals);
  // The digits of --amount mean nothing until the original's currency is known.
  if (options.amount) {
    request.amount_minor =
        parse_amount_of_row(ledger, "--amount", *options.amount, request.original_sequence,
                            "find the sale with `ledgerctl journal`",
                            "omit --amount to refund everything not refunded yet");
  }
  return print_money_result(globals, ledger.reverse(request));
}

}  // namespace

void add_reverse_command(CLI::App& app, Globals& globals, Action& chosen) {
  auto options = std::make_shared<ReverseOptions>();
  CLI::App* reverse = add_command(
      app, "reverse",
      "Refund a posted transfer (or a posted hold) fully or in part, as a new journal row "
      "that moves the money back and references the original. The refunds of a transfer "
      "never add up to more than it; one that would is a stored rejection (exit 1).",
      "  ledgerctl reverse --principal till:7 --key refund-1001-a --transfer 42 --amount 4.99 "
      "--memo 'returned: 1 item of receipt 1001'\n"
      "  ledgerctl reverse --principal till:7 --key refund-1001-b --transfer 42   # the rest",
      chosen, [&globals, options] { return run_reverse(globals, *options); });
  reverse->add_option("--principal", options->principal, "who is asking, e.g. till:7")->required();
  reverse->add_option("--key", options->key, "idempotency key of this refund (1..255 printable)")
      ->required();
  reverse->add_option("--transfer", options->transfer, "journal sequence of the sale to refund")
      ->type_name("SEQ")
      ->required();
  reverse
      ->add_option("--amount", options->amount,
                   "amount to refund, in the sale's currency (default: all not yet refunded)")
      ->type_name("AMOUNT");
  reverse->add_option("--memo", options->memo, "free text stored in the journal")
      ->type_name("TEXT");
}

}  // namespace ledgerctl
