// Void: releases a hold without moving money, as a journal row that records it.
#include "canonical.h"
#include "accounts.h"
#include "journal.h"
#include "failpoint.h"
#include "operations/operations.h"
#include "pending.h"

namespace ledger::detail {

std::optional<std::string> VoidOperation::malformed(const Request& request) {
  return malformed_pending_step(request.principal, request.key, request.pending_sequence, 0,
                                request.memo);
}

std::string VoidOperation::encode(const Request& request) {
  CanonicalWriter canonical(kVoidRequestHeader);
  canonical.text(kFieldOperation, "void")
      .integer(kFieldPendingSequence, request.pending_sequence)
      .text(kFieldMemo, request.memo);
  return std::move(canonical).take();
}

ResponseBody VoidOperation::echo(const Request& request) {
  return pending_step_echo(request.principal, request.key, request.pending_sequence,
                           request.memo);
}

Executed VoidOperation::execute(Impl& impl, const Request& request, std::int64_t now) {
  auto hold = load_hold(impl.db, request.pending_sequence);
  if (auto refused = check_hold_open(impl, hold, request.pending_sequence, now)) return *refused;
  auto debit = find_account_for_update(impl, hold->debit_code);
  auto credit = find_account_for_update(impl, hold->credit_code);
  JournalRow row{"void", debit->id, credit->id, debit->code, credit->code, hold->amount,
                 hold->currency, request.memo, request.principal, request.key, now, hold->seq};
  std::int64_t seq = append_journal(impl, row);
  finish_hold(impl.db, hold->seq, "voided", 0, seq);
  set_pending(impl, debit->id, debit->pending_minor - hold->amount);
  LEDGER_FAILPOINT("void.after_journal_append");
  Executed done;
  done.sequence = seq;
  done.fields = ResponseBody{{"sequence", seq}, {"released_minor", hold->amount}};
  return done;
}

}  // namespace ledger::detail
