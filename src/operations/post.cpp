// Post: captures all or part of a hold once, as a journal row that moves the posted
// balances; the rest of the hold is released.
#include <fmt/format.h>

#include "canonical.h"
#include "ledger/money.h"
#include "money_movement.h"
#include "operations/operations.h"
#include "pending.h"

namespace ledger::detail {

std::optional<std::string> PostOperation::malformed(const Request& request) {
  return malformed_pending_step(request.principal, request.key, request.pending_sequence,
                                request.amount_minor, request.memo);
}

std::string PostOperation::encode(const Request& request) {
  CanonicalWriter canonical(kPostRequestHeader);
  canonical.text(kFieldOperation, "post")
      .integer(kFieldPendingSequence, request.pending_sequence)
      .integer(kFieldAmount, request.amount_minor)
      .text(kFieldMemo, request.memo);
  return std::move(canonical).take();
}

// requested_amount_minor: 0 asks for the full hold; the response says what was posted.
ResponseBody PostOperation::echo(const Request& request) {
  ResponseBody echo =
      pending_step_echo(request.principal, request.key, request.pending_sequence, request.memo);
  echo.set("requested_amount_minor", request.amount_minor);
  return echo;
}

Executed PostOperation::execute(Impl& impl, const Request& request, std::int64_t now) {
  auto hold = load_hold(impl.db, request.pending_sequence);
  if (auto refused = check_hold_open(impl, hold, request.pending_sequence, now)) return *refused;
  std::int64_t amount = request.amount_minor == 0 ? hold->amount : request.amount_minor;
  if (amount > hold->amount) {
    int exponent = currency_exponent(hold->currency).value_or(2);
    return rejected(Outcome::post_amount_exceeds_pending,
                    fmt::format("cannot post {} {}: pending transfer {} holds only {} {}",
                                format_amount(amount, exponent), hold->currency, hold->seq,
                                format_amount(hold->amount, exponent), hold->currency));
  }
  AccountPair accounts;
  if (auto refused = load_account_pair(impl, hold->debit_code, hold->credit_code, hold->currency,
                                       now, accounts)) {
    return std::move(*refused);
  }
  JournalRow row{"post", accounts.debit.id, accounts.credit.id, accounts.debit.code,
                 accounts.credit.code, amount, hold->currency, request.memo, request.principal,
                 request.key, now, hold->seq};
  Executed done = move_money(impl, accounts, row);
  if (done.outcome != Outcome::created) return done;
  finish_hold(impl.db, hold->seq, "posted", amount, *done.sequence);
  set_pending(impl, accounts.debit.id, accounts.debit.pending_minor - hold->amount);
  int exponent = currency_exponent(hold->currency).value_or(2);
  done.fields.set("amount", format_amount(amount, exponent));
  done.fields.set("posted_minor", amount);
  done.fields.set("released_minor", hold->amount - amount);
  done.fields.set("currency", hold->currency);
  return done;
}

}  // namespace ledger::detail
