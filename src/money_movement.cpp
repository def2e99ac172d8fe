#include "money_movement.h"

#include <fmt/format.h>

#include "accounts.h"
#include "failpoint.h"
#include "ledger/money.h"
#include "pending.h"
#include "validate.h"

namespace ledger::detail {

std::optional<Executed> load_account_pair(Impl& impl, const std::string& debit_code,
                                          const std::string& credit_code,
                                          const std::string& currency, std::int64_t now_ms,
                                          AccountPair& out) {
  auto debit = find_account_for_update(impl, debit_code);
  if (!debit) {
    return rejected(Outcome::debit_account_not_found,
                    fmt::format("no account '{}' to debit; create it first", debit_code));
  }
  auto credit = find_account_for_update(impl, credit_code);
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

Executed move_money(Impl& impl, const AccountPair& accounts, const JournalRow& row) {
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
  set_balance(impl, accounts.debit.id, *new_debit);
  LEDGER_FAILPOINT_DYNAMIC(row.kind + ".after_debit");
  set_balance(impl, accounts.credit.id, *new_credit);
  LEDGER_FAILPOINT_DYNAMIC(row.kind + ".after_credit");
  std::int64_t sequence = append_journal(impl, row);
  LEDGER_FAILPOINT_DYNAMIC(row.kind + ".after_journal_append");
  Executed done;
  done.sequence = sequence;
  done.fields.set("sequence", sequence);
  return done;
}

ResponseBody movement_echo(const std::string& principal, const std::string& key,
                           const std::string& debit, const std::string& credit,
                           std::int64_t amount_minor, const std::string& currency,
                           const std::string& memo) {
  int exponent = currency_exponent(currency).value_or(2);
  return ResponseBody{{"principal", principal},
                      {"key", key},
                      {"from", debit},
                      {"to", credit},
                      {"amount", format_amount(amount_minor, exponent)},
                      {"amount_minor", amount_minor},
                      {"currency", currency},
                      {"memo", memo}};
}

std::optional<std::string> malformed_movement(const std::string& principal,
                                              const std::string& key, const std::string& debit,
                                              const std::string& credit,
                                              std::int64_t amount_minor,
                                              const std::string& currency,
                                              const std::string& memo) {
  if (auto problem = check_principal_and_key(principal, key)) return problem;
  if (auto problem = check_account_code(debit)) return "debit " + *problem;
  if (auto problem = check_account_code(credit)) return "credit " + *problem;
  if (debit == credit) {
    return fmt::format("debit and credit account are both '{}'; a transfer needs two accounts",
                       debit);
  }
  if (amount_minor <= 0) {
    return fmt::format("amount must be greater than zero, got {} minor units", amount_minor);
  }
  if (!currency_exponent(currency)) {
    return fmt::format("unknown currency '{}': use an ISO 4217 code such as EUR", currency);
  }
  return check_memo(memo);
}

}  // namespace ledger::detail
