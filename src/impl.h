// The engine's internals: the state behind a Ledger and the functions of each module.
// Each module (accounts, keys, journal, transfer, verify) lives in its own .cpp file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto.h"
#include "db.h"
#include "ledger/ledger.h"

namespace ledger {

struct Ledger::Impl {
  Impl(std::string path_in, const Options& options_in)
      : path(std::move(path_in)),
        options(options_in),
        db(path, options.busy_timeout_ms, options.read_only) {}
  std::string path;
  Options options;
  detail::Db db;
  OpenReport open_report;
  [[nodiscard]] std::int64_t now_ms() const;
};

namespace detail {

using Impl = Ledger::Impl;

// `now_ms` minus/plus `seconds`, saturating at the int64 limits instead of overflowing.
std::int64_t ms_before(std::int64_t now_ms, std::int64_t seconds);
std::int64_t ms_after(std::int64_t now_ms, std::int64_t seconds);
// Refuses a negative listing limit (SQL would read LIMIT -1 as "no limit").
void check_limit(std::int64_t limit);

// --- validation (validate.cpp): each returns an error message, or nullopt if valid ---
std::optional<std::string> check_account_code(std::string_view code);
std::optional<std::string> check_principal(std::string_view principal);
std::optional<std::string> check_key(std::string_view key);
std::optional<std::string> check_memo(std::string_view memo);
std::optional<std::string> check_operation(std::string_view operation);
bool is_valid_utf8(std::string_view text);

// --- accounts (accounts.cpp) ---
Account create_account(Impl& impl, const NewAccount& account);
std::optional<Account> find_account(Db& db, const std::string& code);
// find_account inside a write transaction, served from the transaction's cache.
std::optional<Account> find_account_for_update(Db& db, const std::string& code);
std::vector<Account> list_accounts(Db& db);
// Sets the balance of an account read with find_account_for_update in this transaction;
// the table is written once, at commit (Db::flush_cache).
void set_balance(Db& db, std::int64_t account_id, std::int64_t balance_minor);
const char* to_string(OverdraftRule rule);
// True if `balance_minor` is allowed by the account's overdraft rule.
bool balance_allowed(const Account& account, std::int64_t balance_minor);

// --- idempotency keys (keys.cpp) ---
struct StoredKey {
  std::string operation;
  bool issued = false;
  std::string state;  // as stored: issued | completed | expired
  std::optional<std::string> request;  // nullopt: NULL, see KeyedCall::request_from_journal
  std::string fingerprint;
  std::string result;
  std::string response;
  std::optional<std::int64_t> transfer_seq;
  std::optional<std::int64_t> expires_at_ms;
};
std::optional<StoredKey> load_key(Db& db, const std::string& principal, const std::string& key);
// The stored outcome of a completed key whose request had this fingerprint; nullopt if the
// key is unknown, not completed, or was used with another request.
struct CompletedKey {
  std::string result;
  std::string response;
  std::optional<std::int64_t> transfer_seq;
};
std::optional<CompletedKey> find_completed_key(Db& db, const std::string& principal,
                                               const std::string& key,
                                               std::string_view fingerprint);
// Stores the outcome on the key: inserts a client key's row, or completes an issued one.
struct KeyOutcome {
  const std::string& principal;
  const std::string& key;
  const std::string& operation;
  std::optional<std::string_view> request;  // nullopt: stored as NULL (see KeyedCall)
  std::string_view fingerprint;
  const std::string& result;
  const std::string& response;
  std::optional<std::int64_t> transfer_seq;
  std::int64_t now_ms = 0;
  bool existing_issued = false;
};
void store_key_outcome(Db& db, const KeyOutcome& outcome);
KeyRecord issue_key(Impl& impl, const std::string& principal, const std::string& operation,
                    std::optional<std::int64_t> ttl_seconds);
std::optional<KeyRecord> find_key(Impl& impl, const std::string& principal,
                                  const std::string& key);
std::vector<KeyRecord> list_keys(Impl& impl, const KeyFilter& filter);
PurgeReport purge_keys(Impl& impl, std::optional<std::int64_t> older_than_seconds);

// --- journal (journal.cpp) ---
struct JournalRow {
  std::string kind = "transfer";
  std::int64_t debit_id = 0, credit_id = 0;
  std::string debit_code, credit_code;
  std::int64_t amount_minor = 0;
  std::string currency, memo, principal, key;
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> ref_seq;
};
// The hash-chain link: SHA-256(prev_hash || canonical(row with its sequence)).
Digest chain_hash(const Digest& prev_hash, std::int64_t sequence, const JournalRow& row);
const Digest& genesis_hash();
// Appends `row` as the next gap-free sequence number; returns that number.
std::int64_t append_journal(Db& db, const JournalRow& row);
std::vector<JournalEntry> read_journal(Db& db, std::int64_t since, std::int64_t limit);

// --- transfers (transfer.cpp) ---
// Why `request` is malformed (principal, key, accounts, amount, currency, memo), or nullopt.
std::optional<std::string> malformed_transfer(const TransferRequest& request);
// The unstored invalid_request result of `request`, explained by `reason`.
TransferResult malformed_transfer_result(const TransferRequest& request,
                                         const std::string& reason);
// Executes one transfer inside the caller's open write transaction.
TransferResult transfer_in_transaction(Impl& impl, const TransferRequest& request,
                                       std::int64_t now_ms);
// transfer_in_transaction for a request already checked (batches check every item first).
// REQUIRES: malformed_transfer(request) is nullopt.
TransferResult well_formed_transfer_in_transaction(Impl& impl, const TransferRequest& request,
                                                   std::int64_t now_ms);
std::optional<Outcome> outcome_from_string(std::string_view name);
// The replay of a completed key with this very request, read without the write lock.
std::optional<TransferResult> replay_without_lock(Impl& impl, const TransferRequest& request);

// --- batches (batch.cpp), pending transfers (pending.cpp), refunds (reverse.cpp) ---
std::vector<TransferResult> transfer_batch_in_transaction(Impl& impl,
                                                          std::span<const TransferRequest> requests,
                                                          BatchMode mode, std::int64_t now_ms);
TransferResult reserve_in_transaction(Impl& impl, const ReserveRequest& request, std::int64_t now_ms);
TransferResult post_in_transaction(Impl& impl, const PostRequest& request, std::int64_t now_ms);
TransferResult void_in_transaction(Impl& impl, const VoidRequest& request, std::int64_t now_ms);
TransferResult reverse_in_transaction(Impl& impl, const ReverseRequest& request, std::int64_t now_ms);
std::vector<PendingTransfer> list_pending(Impl& impl, std::optional<PendingState> state,
                                          std::int64_t limit);
std::int64_t expire_all_pending(Impl& impl, std::int64_t now_ms);

// --- verify (verify.cpp) ---
VerifyReport verify(Impl& impl);

}  // namespace detail
}  // namespace ledger
