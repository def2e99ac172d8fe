// Plain value types of the public API: accounts, keys, transfers, journal rows, reports.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ledger {

// How far below zero an account's balance may go.
enum class OverdraftRule {
  none,       // balance >= 0 (the default for customer and till accounts)
  limit,      // balance >= -overdraft_limit_minor
  unlimited,  // no floor: system accounts such as `world` or `cash-drawer`
};

struct NewAccount {
  // Unique, 1..128 bytes of UTF-8 in NFC without spaces, invisible, private-use or unassigned
  // code points (one visible spelling names one account), e.g. "till:7".
  std::string code;
  std::string currency;  // ISO 4217 code, e.g. "EUR"
  OverdraftRule overdraft = OverdraftRule::none;
  std::int64_t overdraft_limit_minor = 0;  // only with OverdraftRule::limit; >= 0
  std::string name;                        // optional display name
};

struct Account {
  std::int64_t id = 0;
  std::string code;
  std::string currency;
  int exponent = 2;  // minor-unit digits of `currency`
  std::int64_t balance_minor = 0;  // posted balance
  std::int64_t pending_minor = 0;  // held by pending (reserved, not yet posted) transfers
  [[nodiscard]] std::int64_t available_minor() const { return balance_minor - pending_minor; }
  OverdraftRule overdraft = OverdraftRule::none;
  std::int64_t overdraft_limit_minor = 0;
  std::string name;
  std::int64_t created_at_ms = 0;  // unix epoch milliseconds
};

enum class KeyState {
  issued,     // issued by the engine, not used yet
  completed,  // used: its outcome (created or a stored rejection) is stored
  expired,    // issued and unused past its TTL, or purged: refused forever
};

struct KeyRecord {
  std::string principal;
  std::string key;
  std::string operation;
  bool issued = false;  // true if the engine issued it, false if the client supplied it
  KeyState state = KeyState::issued;
  std::string result;    // stored outcome name ("created", "insufficient_funds"), if completed
  std::string response;  // stored response body, if completed
  std::optional<std::int64_t> transfer_sequence;  // the journal row it produced
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> expires_at_ms;  // issued keys: when an unused key expires
  std::optional<std::int64_t> completed_at_ms;
};

struct KeyFilter {
  std::optional<std::string> principal;
  std::optional<KeyState> state;
  std::int64_t limit = 1000;
};

// A request to move `amount_minor` from `debit_account` to `credit_account`.
struct TransferRequest {
  std::string principal;       // who is asking (a till, a user); scopes the key; same rule as codes
  std::string key;             // idempotency key: 1..255 printable ASCII characters
  std::string debit_account;   // code of the account money leaves ("from")
  std::string credit_account;  // code of the account money enters ("to")
  std::int64_t amount_minor = 0;  // > 0
  std::string currency;           // must be the currency of both accounts
  std::string memo;               // optional, up to 4096 bytes
};

// Every outcome of a money-moving call, checked in this order. The class of an outcome
// (see outcome_class) says whether it was stored with the key, and so what a retry with
// that key gets; tools map the class to their exit codes and HTTP statuses. The names are
// stable: they appear in stored responses.
enum class Outcome {
  created,  // executed now, or (with replayed=true) earlier
  // Business rejections: stored with the key, replayed on retry.
  debit_account_not_found,
  credit_account_not_found,
  currency_mismatch,
  insufficient_funds,
  balance_overflow,  // a balance or held sum would pass the int64 range (either account)
  pending_not_found,            // post/void: no pending transfer with that sequence
  pending_already_posted,       // post/void of a transfer that was already posted
  pending_already_voided,       // post/void of a transfer that was voided
  pending_expired,              // post/void of a transfer past its timeout (it is voided)
  post_amount_exceeds_pending,  // post of more than the reserved amount
  original_not_found,           // reverse: no posted transfer with that sequence
  reversal_exceeds_original,    // reverse: the total reversed would pass the original amount
  linked_batch_failed,          // linked batch: another item failed, so this one did not run
  // Idempotency conflicts: nothing stored, nothing moved.
  key_reused_with_different_request,
  key_unknown,             // only issued keys are allowed and this one was never issued
  key_expired,             // issued and unused past its TTL, or purged
  key_operation_mismatch,  // the key was issued for another operation
  // Malformed request: nothing stored, the key stays usable.
  invalid_request,
};

enum class OutcomeClass { done, rejected, conflict, malformed };

[[nodiscard]] OutcomeClass outcome_class(Outcome outcome);
[[nodiscard]] const char* to_string(Outcome outcome);

struct TransferResult {
  Outcome outcome = Outcome::created;
  bool replayed = false;  // true if this is the stored outcome of an earlier execution
  // The response body, a JSON object. For stored outcomes (created and business
  // rejections) these are the byte-identical stored bytes, on every replay. For
  // conflicts and malformed requests it is built for this call only.
  std::string body;
  std::string message;  // a one-line human explanation of a non-created outcome
  // With key_reused_with_different_request: the first differing field (operation,
  // debit_account, credit_account, amount, currency, memo, timeout, pending_sequence,
  // original_sequence).
  std::string differing_field;
  std::optional<std::int64_t> sequence;  // the journal row, when created
  [[nodiscard]] bool ok() const { return outcome == Outcome::created; }
};

// Two-phase transfers (card pre-authorisation): reserve holds funds on the debit account,
// then post captures all or part of them, or void releases them. Each step has its own key.
struct ReserveRequest {
  std::string principal;
  std::string key;
  std::string debit_account;
  std::string credit_account;
  std::int64_t amount_minor = 0;  // > 0: the amount held
  std::string currency;
  std::string memo;
  std::int64_t timeout_seconds = 7 * 24 * 3600;  // after this an unposted hold is voided
};

struct PostRequest {
  std::string principal;
  std::string key;
  std::int64_t pending_sequence = 0;  // the journal sequence of the reserve
  std::int64_t amount_minor = 0;      // 0 captures the full reserved amount; less releases the rest
  std::string memo;
};

struct VoidRequest {
  std::string principal;
  std::string key;
  std::int64_t pending_sequence = 0;
  std::string memo;
};

// A refund: a new compensating journal entry moving money back from the original's credit
// account to its debit account. The total reversed never exceeds the original amount.
struct ReverseRequest {
  std::string principal;
  std::string key;
  std::int64_t original_sequence = 0;  // a posted transfer (kind transfer or post)
  std::int64_t amount_minor = 0;       // 0 reverses everything not yet reversed
  std::string memo;
};

enum class PendingState { pending, posted, voided, expired };
[[nodiscard]] const char* to_string(PendingState state);

struct PendingTransfer {
  std::int64_t sequence = 0;  // journal sequence of the reserve
  std::string debit_account;
  std::string credit_account;
  std::int64_t amount_minor = 0;
  std::string currency;
  int exponent = 2;
  PendingState state = PendingState::pending;
  std::int64_t expires_at_ms = 0;
  std::int64_t posted_amount_minor = 0;             // with state posted
  std::optional<std::int64_t> finished_sequence;    // the post or void row
  std::string principal;
  std::string key;
  std::string memo;
};

// How transfer_batch treats a failing item.
enum class BatchMode {
  independent,  // each item stands alone: a rejected item does not affect the others
  linked,       // all-or-nothing: if any item fails, none moves money; each outcome says why
};

struct JournalEntry {
  std::int64_t sequence = 0;
  std::string kind;  // "transfer", "reserve", "post", "void" or "reverse"
  std::string debit_account;
  std::string credit_account;
  std::int64_t amount_minor = 0;
  std::string currency;
  int exponent = 2;
  std::string memo;
  std::string principal;
  std::string key;
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> ref_sequence;  // post/void: the reserve; reverse: the original
  // The clock guard (SPEC 10): created_at never goes backwards. Non-zero when the system
  // clock was this many milliseconds behind the previous row's time (it jumped back); the
  // row then kept the previous row's time.
  std::int64_t clock_behind_ms = 0;
  std::string prev_hash_hex;
  std::string hash_hex;
};

struct Violation {
  std::string kind;      // balance, zero_sum, key_without_transfer, ..., hash_chain
  std::string where;     // the row where it starts, e.g. "journal seq 17", "account till:7"
  std::string detail;    // what was expected and what was found
};

struct VerifyReport {
  std::int64_t accounts_checked = 0;
  std::int64_t journal_rows_checked = 0;
  std::int64_t keys_checked = 0;
  std::int64_t outcomes_checked = 0;    // links of the outcome chain
  std::int64_t events_checked = 0;      // links of the event chain
  std::int64_t closings_checked = 0;
  std::int64_t signatures_checked = 0;  // closings whose signature was checked (public key given)
  std::vector<Violation> violations;
  [[nodiscard]] bool ok() const { return violations.empty(); }
};

struct PurgeReport {
  std::int64_t expired_issued_keys = 0;   // unused issued keys past TTL, now tombstones
  std::int64_t purged_rejections = 0;     // stored rejections past retention, now tombstones
};

// A principal of SPEC 8: who presents a bearer token to ledgerd. Its name is the principal
// of every key and transfer it makes (TransferRequest::principal).
struct NewPrincipal {
  std::string name;  // same rule as TransferRequest::principal, e.g. "till:7"
  bool admin = false;  // may do everything, on every account
  // Accounts a non-admin principal may name in money-moving requests and reads: an exact
  // code ("till:7", "world") or a prefix ending in '*' ("customer:*"). At most 64.
  std::vector<std::string> account_patterns;
};

struct Principal {
  std::string name;
  bool admin = false;
  std::vector<std::string> account_patterns;
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> revoked_at_ms;  // set once revoked: its token is refused
  [[nodiscard]] bool revoked() const { return revoked_at_ms.has_value(); }
};

// What add_principal returns: the principal and its bearer token, shown this once (only the
// token's SHA-256 is stored).
struct PrincipalToken {
  Principal principal;
  std::string token;
};

struct Stats {
  std::int64_t accounts = 0;
  std::int64_t journal_rows = 0;
  std::int64_t keys_issued = 0;     // issued, unused, not expired
  std::int64_t keys_completed = 0;
  std::int64_t keys_expired = 0;    // tombstones and unused keys past TTL
  std::int64_t pending_purge = 0;   // rows the next purge would turn into tombstones
  std::optional<std::int64_t> oldest_key_ms;
  std::optional<std::int64_t> newest_key_ms;
  std::int64_t file_bytes = 0;
  std::int64_t wal_bytes = 0;
  int schema_version = 0;  // the file format version the file records (PRAGMA user_version)
  // The ledger's stable random id (a UUID made when the file got schema version 6; SPEC 11).
  std::string ledger_id;
};

}  // namespace ledger
