// Accounts: creation with validation, lookup by code, listing, and balances inside a write
// transaction (through the WriteCache).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "impl.h"

namespace ledger::detail {

Account create_account(Impl& impl, const NewAccount& account);
std::optional<Account> find_account(Db& db, const std::string& code);
std::vector<Account> list_accounts(Db& db);

// find_account inside a write transaction, served from the transaction's cache.
std::optional<Account> find_account_for_update(Impl& impl, const std::string& code);
// Sets the balance of an account read with find_account_for_update in this transaction;
// the table is written once, by flush_balances.
void set_balance(Impl& impl, std::int64_t account_id, std::int64_t balance_minor);
// Writes the cached balances that are ahead of the table (before a commit or a savepoint).
void flush_balances(Impl& impl);

const char* to_string(OverdraftRule rule);
// True if `balance_minor` is allowed by the account's overdraft rule.
bool balance_allowed(const Account& account, std::int64_t balance_minor);

}  // namespace ledger::detail
