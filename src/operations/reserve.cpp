// Reserve: the first step of a two-phase transfer. Holds the amount on the debit account
// (its available balance drops, its posted balance does not) until post, void or the
// timeout. Checked like a transfer, plus the held sum must stay within int64.
#include <fmt/format.h>

#include "canonical.h"
#include "clock.h"
#include "failpoint.h"
#include "ledger/money.h"
#include "money_movement.h"
#include "operations/operations.h"
#include "pending.h"

namespace ledger::detail {

std::optional<std::string> ReserveOperation::malformed(const Request& request) {
  if (auto problem = malformed_movement(request.principal, request.key, request.debit_account,
                                        request.credit_account, request.amount_minor,
                                        request.currency, request.memo)) {
    return problem;
  }
  if (request.timeout_seconds <= 0 || request.timeout_seconds > kMaxHoldSeconds) {
    return fmt::format("timeout must be 1 to {} seconds, got {}", kMaxHoldSeconds,
                       request.timeout_seconds);
  }
  return std::nullopt;
}

std::string ReserveOperation::encode(const Request& request) {
  CanonicalWriter canonical(kReserveRequestHeader);
  canonical.text(kFieldOperation, "reserve")
      .text(kFieldDebitAccount, request.debit_account)
      .text(kFieldCreditAccount, request.credit_account)
      .integer(kFieldAmount, request.amount_minor)
      .text(kFieldCurrency, request.currency)
      .text(kFieldMemo, request.memo)
      .integer(kFieldTimeout, request.timeout_seconds);
  return std::move(canonical).take();
}

ResponseBody ReserveOperation::echo(const Request& request) {
  ResponseBody echo = movement_echo(request.principal, request.key, request.debit_account,
                                    request.credit_account, request.amount_minor,
                                    request.currency, request.memo);
  echo.set("timeout_seconds", request.timeout_seconds);
  return echo;
}

Executed ReserveOperation::execute(Impl& impl, const Request& request, std::int64_t now_ms) {
  AccountPair accounts;
  if (auto refused = load_accounts_for_debit(impl, request.debit_account, request.credit_account,
                                             request.amount_minor, request.currency, now_ms,
                                             accounts)) {
    return std::move(*refused);
  }
  // An unlimited account (or a large overdraft limit) can hold more than int64 in total:
  // the sum is checked before anything is written, and refused as a stored outcome.
  auto held_after = checked_add(accounts.debit.pending_minor, request.amount_minor);
  if (!held_after) {
    return rejected(Outcome::balance_overflow,
                    fmt::format("'{}' cannot hold more: its held amount {} {} plus {} {} would "
                                "pass the largest amount; post or void some of its holds first",
                                accounts.debit.code,
                                format_amount(accounts.debit.pending_minor, accounts.debit.exponent),
                                request.currency,
                                format_amount(request.amount_minor, accounts.debit.exponent),
                                request.currency));
  }
  JournalRow row{"reserve", accounts.debit.id, accounts.credit.id, accounts.debit.code,
                 accounts.credit.code, request.amount_minor, request.currency, request.memo,
                 request.principal, request.key, now_ms, std::nullopt};
  std::int64_t seq = append_journal(impl, row);
  std::int64_t expires_at = ms_after(now_ms, request.timeout_seconds);
  insert_hold(impl.db, seq, accounts.debit.id, accounts.credit.id, request.amount_minor,
              expires_at);
  set_pending(impl, accounts.debit.id, *held_after);
  LEDGER_FAILPOINT("reserve.after_journal_append");
  Executed done;
  done.sequence = seq;
  done.fields = ResponseBody{{"sequence", seq}, {"pending_id", seq}, {"expires_at", expires_at}};
  return done;
}

}  // namespace ledger::detail
