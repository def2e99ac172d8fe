// Refunds: a reversal is a new compensating journal row (kind 'reverse') that moves money
// back from the original's credit account to its debit account and references the
// original. Journal rows are never edited; the total reversed never exceeds the original.
#include <fmt/format.h>

#include "canonical.h"
#include "ledger/money.h"
#include "money_movement.h"
#include "operations/operations.h"
#include "validate.h"

namespace ledger::detail {
namespace {

struct Original {
  std::string kind, debit_code, credit_code, currency;
  std::int64_t amount = 0, reversed = 0;
};

std::optional<Original> load_original(Db& db, std::int64_t seq) {
  auto& query = db.statement(
      "SELECT j.kind, d.code, c.code, j.currency, j.amount, "
      "(SELECT COALESCE(SUM(r.amount), 0) FROM journal r WHERE r.ref_seq = j.seq AND "
      "r.kind = 'reverse') FROM journal j JOIN accounts d ON d.id = j.debit_account "
      "JOIN accounts c ON c.id = j.credit_account WHERE j.seq = ?");
  query.bind(1, seq);
  if (!query.executeStep()) return std::nullopt;
  Original original{query.getColumn(0).getString(), query.getColumn(1).getString(),
                    query.getColumn(2).getString(), query.getColumn(3).getString(),
                    query.getColumn(4).getInt64(), query.getColumn(5).getInt64()};
  query.tryReset();
  return original;
}

}  // namespace

Executed ReverseOperation::execute(Impl& impl, const Request& request, std::int64_t now) {
  auto original = load_original(impl.db, request.original_sequence);
  if (!original || (original->kind != "transfer" && original->kind != "post")) {
    std::string hint = original && original->kind == "reserve"
                           ? " (it is a pending transfer: void it instead)"
                           : "";
    return rejected(Outcome::original_not_found,
                    fmt::format("no posted transfer with sequence {} to reverse{}",
                                request.original_sequence, hint));
  }
  std::int64_t remaining = original->amount - original->reversed;
  std::int64_t amount = request.amount_minor == 0 ? remaining : request.amount_minor;
  if (amount <= 0 || amount > remaining) {
    int exponent = currency_exponent(original->currency).value_or(2);
    return rejected(Outcome::reversal_exceeds_original,
                    fmt::format("transfer {} was for {} {} and {} {} are already reversed; at "
                                "most {} {} can still be reversed",
                                request.original_sequence,
                                format_amount(original->amount, exponent), original->currency,
                                format_amount(original->reversed, exponent), original->currency,
                                format_amount(remaining, exponent), original->currency));
  }
  AccountPair accounts;  // the original's credit account pays the refund back
  if (auto refused = load_accounts_for_debit(impl, original->credit_code, original->debit_code,
                                             amount, original->currency, now, accounts)) {
    return std::move(*refused);
  }
  JournalRow row{"reverse", accounts.debit.id, accounts.credit.id, accounts.debit.code,
                 accounts.credit.code, amount, original->currency, request.memo,
                 request.principal, request.key, now, request.original_sequence};
  Executed done = move_money(impl, accounts, row);
  if (done.outcome != Outcome::created) return done;
  int exponent = currency_exponent(original->currency).value_or(2);
  done.fields.set("from", accounts.debit.code);
  done.fields.set("to", accounts.credit.code);
  done.fields.set("amount", format_amount(amount, exponent));
  done.fields.set("reversed_minor", amount);
  done.fields.set("currency", original->currency);
  done.fields.set("remaining_minor", remaining - amount);
  return done;
}

std::optional<std::string> ReverseOperation::malformed(const Request& request) {
  if (auto problem = check_principal_and_key(request.principal, request.key)) return problem;
  if (request.original_sequence <= 0) {
    return fmt::format("original sequence must be positive, got {}", request.original_sequence);
  }
  if (request.amount_minor < 0) {
    return fmt::format("amount must not be negative, got {}", request.amount_minor);
  }
  return check_memo(request.memo);
}

std::string ReverseOperation::encode(const Request& request) {
  CanonicalWriter canonical(kReverseRequestHeader);
  canonical.text(kFieldOperation, "reverse")
      .integer(kFieldOriginalSequence, request.original_sequence)
      .integer(kFieldAmount, request.amount_minor)
      .text(kFieldMemo, request.memo);
  return std::move(canonical).take();
}

ResponseBody ReverseOperation::echo(const Request& request) {
  return ResponseBody{{"principal", request.principal},
                      {"key", request.key},
                      {"original_sequence", request.original_sequence},
                      {"requested_amount_minor", request.amount_minor},  // 0: all that remains
                      {"memo", request.memo}};
}

}  // namespace ledger::detail
