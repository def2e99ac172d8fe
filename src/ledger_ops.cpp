#include "ledger_ops.h"

#include <fmt/format.h>

#include "failpoint.h"

namespace ledger::detail {

std::optional<Executed> load_account_pair(Impl& impl, const std::string& debit_code,
                                          const std::string& credit_code,
                                          const std::string& currency, std::int64_t now_ms,
                                          AccountPair& out) {
  auto debit = find_account_for_update(impl.db, debit_code);
  if (!debit) {
    return rejected(Outcome::debit_account_not_found,
                    fmt::format("no account '{}' to debit; create it first", debit_code));
  }
  auto credit = find_account_for_update(impl.db, credit_code);
  if (!credit) {
    return rejected(Outcome::credit_account_not_found,
                    fmt::format("no account '{}' to credit; create it first", credit_code));
  }
  if (debit->currency != currency || credit->currency != currency) {
    return rejected(Outcome::currency_mismatch,
                    fmt::format("the request is in {} but '{}' is in {} and '{}' is in {}",
                                currency, debit->code, debit->currency, credit->code,
                                credit->currency));
  }
  // Lazy expiry: a hold past its timeout must not keep blocking funds.
  if (debit->pending_minor > 0) release_due_holds(impl, *debit, now_ms);
  out.debit = std::move(*debit);
  out.credit = std::move(*credit);
  return std::nullopt;
}

std::optional<Executed> check_debit_allowed(const Account& debit, std::int64_t amount_minor,
                                            const std::string& currency) {
  auto available_after = checked_sub(debit.available_minor(), amount_minor);
  if (available_after && balance_allowed(debit, *available_after)) return std::nullopt;
  // Past the int64 floor only an unlimited account is still allowed by its rule: what
  // refuses it is the arithmetic, not missing funds (every other rule's floor is higher).
  if (!available_after && debit.overdraft == OverdraftRule::unlimited) {
    return rejected(Outcome::balance_overflow,
                    fmt::format("'{}' cannot go lower: its available balance {} {} minus {} {} "
                                "would pass the smallest amount an account can hold; move money "
                                "into it first",
                                debit.code, format_amount(debit.available_minor(), debit.exponent),
                                debit.currency, format_amount(amount_minor, debit.exponent),
                                currency));
  }
  std::string held = debit.pending_minor == 0
                         ? ""
                         : fmt::format(" ({} held by pending transfers)",
                                       format_amount(debit.pending_minor, debit.exponent));
  return rejected(Outcome::insufficient_funds,
                  fmt::format("'{}' has {} {} available{}, not enough for {} {}", debit.code,
                              format_amount(debit.available_minor(), debit.exponent),
                              debit.currency, held, format_amount(amount_minor, debit.exponent),
                              currency));
}

std::optional<Executed> load_accounts_for_debit(Impl& impl, const std::string& debit_code,
                                                const std::string& credit_code,
                                                std::int64_t amount_minor,
                                                const std::string& currency, std::int64_t now_ms,
                                                AccountPair& out) {
  if (auto refused = load_account_pair(impl, debit_code, credit_code, currency, now_ms, out)) {
    return refused;
  }
  return check_debit_allowed(out.debit, amount_minor, currency);
}

Executed move_money(Impl& impl, [[maybe_unused]] const std::string& operation, const AccountPair& accounts,
                    const JournalRow& row) {
  auto new_debit = checked_sub(accounts.debit.balance_minor, row.amount_minor);
  auto new_credit = checked_add(accounts.credit.balance_minor, row.amount_minor);
  if (!new_debit) {
    return rejected(Outcome::balance_overflow,
                    fmt::format("'{}' cannot go lower: its balance would pass the smallest "
                                "amount an account can hold",
                                accounts.debit.code));
  }
  if (!new_credit) {
    return rejected(Outcome::balance_overflow,
                    fmt::format("'{}' cannot hold more: its balance would pass the largest amount",
                                accounts.credit.code));
  }
  set_balance(impl.db, accounts.debit.id, *new_debit);
  LEDGER_FAILPOINT_DYNAMIC(operation + ".after_debit");
  set_balance(impl.db, accounts.credit.id, *new_credit);
  LEDGER_FAILPOINT_DYNAMIC(operation + ".after_credit");
  std::int64_t sequence = append_journal(impl.db, row);
  LEDGER_FAILPOINT_DYNAMIC(operation + ".after_journal_append");
  Executed done;
  done.sequence = sequence;
  done.fields.set("sequence", sequence);
  return done;
}

void set_pending(Db& db, std::int64_t account_id, std::int64_t pending_minor) {
  auto& update = db.statement("UPDATE accounts SET pending = ? WHERE id = ?");
  update.bind(1, pending_minor);
  update.bind(2, account_id);
  update.exec();
  if (Account* cached = db.cache().account_by_id(account_id)) cached->pending_minor = pending_minor;
}

std::int64_t effective_pending(Impl& impl, const Account& account, std::int64_t now_ms) {
  if (account.pending_minor == 0) return 0;
  auto& due = impl.db.statement(
      "SELECT COALESCE(SUM(amount), 0) FROM pending_transfers WHERE debit_account = ? AND "
      "state = 'pending' AND expires_at <= ?");
  due.bind(1, account.id);
  due.bind(2, now_ms);
  due.executeStep();
  std::int64_t lapsed = due.getColumn(0).getInt64();
  due.tryReset();
  return account.pending_minor - lapsed;
}

std::int64_t release_due_holds(Impl& impl, Account& account, std::int64_t now_ms) {
  auto& due = impl.db.statement(
      "SELECT seq, amount FROM pending_transfers WHERE debit_account = ? AND state = 'pending' "
      "AND expires_at <= ?");
  due.bind(1, account.id);
  due.bind(2, now_ms);
  std::vector<std::pair<std::int64_t, std::int64_t>> holds;
  while (due.executeStep()) holds.emplace_back(due.getColumn(0).getInt64(), due.getColumn(1).getInt64());
  due.tryReset();
  if (holds.empty()) return 0;
  auto& expire = impl.db.statement(
      "UPDATE pending_transfers SET state = 'expired' WHERE seq = ? AND state = 'pending'");
  for (const auto& [seq, amount] : holds) {
    expire.bind(1, seq);
    expire.exec();
    expire.tryReset();
    account.pending_minor -= amount;
  }
  set_pending(impl.db, account.id, account.pending_minor);
  return static_cast<std::int64_t>(holds.size());
}

}  // namespace ledger::detail
