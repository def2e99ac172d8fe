// Building blocks shared by the money-moving operations: loading and checking the two
// accounts, moving posted balances with the journal row, holds of pending transfers.
#pragma once

#include <optional>
#include <string>

#include "keyed.h"

namespace ledger::detail {

struct AccountPair {
  Account debit;
  Account credit;
};

// Loads both accounts by code, first releasing holds past their timeout on each, and
// checks that they exist and are in `currency`. Returns the stored rejection, or nullopt.
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
// with balance_overflow (writing nothing) if the credit balance would pass int64.
Executed move_money(Impl& impl, const std::string& operation, const AccountPair& accounts,
                    const JournalRow& row);

// Sets an account's held (pending) amount.
void set_pending(Db& db, std::int64_t account_id, std::int64_t pending_minor);

// The held amount without holds past their timeout that no write has released yet, as a
// reader should see it (the stored column changes only when a write releases them).
std::int64_t effective_pending(Impl& impl, const Account& account, std::int64_t now_ms);

// Marks every pending transfer of `account` past its timeout as expired and releases its
// hold (updating account.pending_minor). Returns how many were released.
std::int64_t release_due_holds(Impl& impl, Account& account, std::int64_t now_ms);

// The request fields every transfer and reserve response repeats.
ResponseBody movement_echo(const std::string& principal, const std::string& key,
                           const std::string& debit, const std::string& credit,
                           std::int64_t amount_minor, const std::string& currency,
                           const std::string& memo);

// Field checks shared by transfer and reserve; nullopt if the fields are well-formed.
std::optional<std::string> malformed_transfer_fields(const std::string& debit,
                                                     const std::string& credit,
                                                     std::int64_t amount_minor,
                                                     const std::string& currency,
                                                     const std::string& memo);

// Linked batches: stores `outcome` as the item's final rejection (executing nothing), or
// builds the unstored "not run" result when the batch itself was refused.
TransferResult store_linked_failure(Impl& impl, const TransferRequest& request, Outcome outcome,
                                    const std::string& message, std::int64_t now_ms);
TransferResult unstored_linked_failure(const TransferRequest& request, const std::string& message);

}  // namespace ledger::detail
