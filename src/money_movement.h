// The building blocks operations move money with: loading and checking the two accounts,
// the overdraft check on the available balance, and moving posted balances together with
// the journal row.
#pragma once

#include <optional>
#include <string>

#include "journal.h"
#include "operation.h"

namespace ledger::detail {

struct AccountPair {
  Account debit;
  Account credit;
};

// Loads both accounts by code, first releasing holds past their timeout on the debit
// account, and checks that they exist and are in `currency`. Returns the stored rejection,
// or nullopt.
std::optional<Executed> load_account_pair(Impl& impl, const std::string& debit_code,
                                          const std::string& credit_code,
                                          const std::string& currency, std::int64_t now_ms,
                                          AccountPair& out);

// Whether the debit account's AVAILABLE balance (posted minus holds) may drop by
// `amount_minor` under its overdraft rule; the insufficient_funds rejection otherwise.
std::optional<Executed> check_debit_allowed(const Account& debit, std::int64_t amount_minor,
                                            const std::string& currency);

// load_account_pair, then check_debit_allowed for `amount_minor`.
std::optional<Executed> load_accounts_for_debit(Impl& impl, const std::string& debit_code,
                                                const std::string& credit_code,
                                                std::int64_t amount_minor,
                                                const std::string& currency, std::int64_t now_ms,
                                                AccountPair& out);

// Debits and credits the posted balances by row.amount_minor and appends `row`. Refuses
// with balance_overflow (writing nothing) if either balance would pass int64.
Executed move_money(Impl& impl, const AccountPair& accounts, const JournalRow& row);

// The request fields every transfer and reserve response repeats.
ResponseBody movement_echo(const std::string& principal, const std::string& key,
                           const std::string& debit, const std::string& credit,
                           std::int64_t amount_minor, const std::string& currency,
                           const std::string& memo);

// Why the principal, key and movement fields shared by transfer and reserve are
// malformed, or nullopt.
std::optional<std::string> malformed_movement(const std::string& principal,
                                              const std::string& key, const std::string& debit,
                                              const std::string& credit,
                                              std::int64_t amount_minor,
                                              const std::string& currency,
                                              const std::string& memo);

}  // namespace ledger::detail
