// ledger: an embedded, SQLite-backed, double-entry money ledger with exactly-once
// transfers under retries.
//
// A `Ledger` is one connection to one ledger file: its own (Ledger::open) or the embedding
// app's (Ledger::attach). Every money-moving call runs in ONE SQLite write transaction
// (BEGIN IMMEDIATE), or in a SAVEPOINT inside the transaction the app has open on its
// connection, that checks/records the idempotency key, applies the balance rules, debits,
// credits, appends the hash-chained journal row and stores the response on the key. A
// crash at any instant leaves nothing or the complete, replayable record.
//
// Thread safety: a Ledger is not thread-safe; give each thread (and each process) its own
// Ledger on the same file, or share one between the threads of a process through
// ledger::SharedLedger (ledger/shared_ledger.h), which also books their concurrent
// transfers in shared commits (group commit). Concurrent writers wait for each other up to
// Options::busy_timeout_ms and then fail with Error{ErrorCode::busy}, storing nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/error.h"
#include "ledger/fiscal.h"
#include "ledger/money.h"
#include "ledger/types.h"
#include "ledger/version.h"

struct sqlite3;

namespace ledger {

enum class Durability {
  // fsync on every commit: an acknowledged transfer survives power loss. Default.
  full,
  // WAL with synchronous=NORMAL: the database is always consistent, but the last
  // acknowledged transfers before a power loss (not a process crash) may be lost.
  normal,
};

struct Options {
  Durability durability = Durability::full;
  // Create the file (mode 0600) and its schema if it does not exist.
  bool create_if_missing = true;
  // Accept keys the client made up (recorded on first use). If false, only keys issued by
  // issue_key() are accepted; others get Outcome::key_unknown.
  bool allow_client_keys = true;
  // How long a writer waits for the write lock before failing with ErrorCode::busy.
  int busy_timeout_ms = 5000;
  // Default TTL of issued keys that are never used.
  std::int64_t key_ttl_seconds = 24 * 3600;
  // How long stored business rejections are kept before purge() turns them into
  // tombstones. Keys that moved money are kept forever.
  std::int64_t rejection_retention_seconds = 24 * 3600;
  // Refuse to open a database file that is writable by everyone.
  bool allow_world_writable = false;
  // Open for reading only: the file is never created, migrated or written, and no pragma
  // that writes is set (the journal mode is left as it is); create_if_missing is ignored.
  // Only a file at this build's schema version is read: an older one throws
  // Error{older_schema}, because reading it as it is would need a reader per old layout
  // (upgrade it first by opening it once without read_only). Every call that writes
  // (create_account, issue_key, purge_keys, transfer, transfer_batch, reserve, post,
  // void_pending, reverse, expire_pending) throws Error{invalid_argument}; backup() works.
  // Writers may be active meanwhile: each call reads one consistent snapshot. For a file in
  // WAL mode SQLite needs the -wal and -shm files next to it and creates them (empty) if
  // missing, so the directory must be writable; it never writes the main file, not even a
  // checkpoint. SQLite's `immutable` mode, which needs no -shm, is not used: it is wrong
  // while a writer is active.
  bool read_only = false;
  // The clock, in unix epoch milliseconds. Tests inject their own to test expiry.
  std::function<std::int64_t()> clock_ms;
};

// What Ledger::open found and did; see Ledger::open_report().
struct OpenReport {
  // True if this open made the ledger: it turned a missing or empty file into a ledger.
  // Decided under the write lock, so when several processes open the same new path (or
  // the same empty file) at once, exactly one of them sees true.
  bool created = false;
  // The file's schema version as this open found it under the write lock (0 for a new or
  // empty file), and the version it has now. They differ only when this open applied
  // migrations, never on a read-only Ledger.
  int schema_version_before = 0;
  int schema_version = 0;
};

// The invalid_request result that transfer(request) would give (principal, key, account
// codes, amount, currency, memo), found without any ledger; nullopt if it is well-formed.
// Lets a caller that groups requests of many clients keep one client's malformed request
// from refusing a whole batch.
[[nodiscard]] std::optional<TransferResult> check_request(const TransferRequest& request);

// Whether `principal` may name `account_code` (SPEC 8): admins may name every account,
// others an account matching one of their patterns (exact, or a prefix ending in '*').
[[nodiscard]] bool may_use_account(const Principal& principal, std::string_view account_code);

class Ledger {
 public:
  // Opens (and, with create_if_missing, creates) the ledger at `path`, applying missing
  // schema migrations in one transaction (unless Options::read_only). Throws Error:
  // not_found (missing and !create_if_missing or read_only), not_a_ledger, corrupt,
  // newer_schema, older_schema (read_only only), unsafe_file, busy, io, invalid_argument
  // (bad options). A refused file is left unchanged.
  [[nodiscard]] static Ledger open(const std::string& path, const Options& options = {});

  // Runs the ledger on the app's own connection (SPEC 9), so that the app's rows and the
  // ledger's commit or roll back together. The ledger's tables live in the app's database:
  // attach creates them, or applies missing migrations, in one transaction of its own, so
  // it must then be called while no transaction is open. After that, every call runs in a
  // SAVEPOINT inside the transaction the app has open (released into it: the app's COMMIT
  // makes the key, the journal row and the stored response durable with its own rows, its
  // ROLLBACK removes them all), or in a transaction of its own when none is open.
  //   - The app keeps its connection's settings: journal mode, synchronous (durability),
  //     busy handler. Options::durability and busy_timeout_ms do not apply; read_only is
  //     refused. WAL with synchronous=FULL gives an app commit the guarantees of open().
  //   - The ledger records its schema version in PRAGMA user_version and application_id,
  //     as in a file of its own: a database that uses either for itself is refused.
  //   - Open the app's transaction with BEGIN IMMEDIATE: in a deferred one, a write by
  //     another connection since the app's first read makes the call fail with busy
  //     (nothing stored; roll back and retry with the same key).
  //   - `connection` must outlive the Ledger, and is used by one thread at a time (the
  //     Ledger's rule). Destroy the Ledger before closing the connection: it finalizes its
  //     prepared statements then.
  //   - With create_if_missing false, a database without the ledger's tables is refused
  //     (not_found). A file the app creates has the app's permissions, not 0600.
  // Throws Error: invalid_argument (no connection, read_only, a transaction open when the
  // tables must be created), not_found, not_a_ledger, newer_schema, corrupt, busy, io.
  [[nodiscard]] static Ledger attach(sqlite3* connection, const Options& options = {});

  Ledger(Ledger&&) noexcept;
  Ledger& operator=(Ledger&&) noexcept;
  ~Ledger();

  // --- accounts -----------------------------------------------------------------------
  // Throws Error: invalid_argument (bad code, unknown currency, negative limit),
  // already_exists.
  Account create_account(const NewAccount& account);
  [[nodiscard]] std::optional<Account> find_account(const std::string& code);
  [[nodiscard]] std::vector<Account> list_accounts();

  // --- idempotency keys ---------------------------------------------------------------
  // Issues a fresh random key (128 bits from the CSPRNG) for `principal` and `operation`
  // (e.g. "transfer"), unused keys expire after `ttl_seconds` (default
  // Options::key_ttl_seconds). Throws Error{invalid_argument} for empty names or ttl <= 0.
  KeyRecord issue_key(const std::string& principal, const std::string& operation,
                      std::optional<std::int64_t> ttl_seconds = std::nullopt);
  // The key as seen by `principal`: another principal's key is not found.
  [[nodiscard]] std::optional<KeyRecord> find_key(const std::string& principal,
                                                  const std::string& key);
  [[nodiscard]] std::vector<KeyRecord> list_keys(const KeyFilter& filter = {});
  // Turns unused issued keys past their TTL, and stored rejections completed more than
  // `older_than_seconds` ago (default Options::rejection_retention_seconds), into
  // tombstones that refuse the key forever (Outcome::key_expired). Never touches a key
  // that moved money.
  PurgeReport purge_keys(std::optional<std::int64_t> older_than_seconds = std::nullopt);

  // --- transfers ----------------------------------------------------------------------
  // Applies `request` exactly once per (principal, key); see Outcome for the results.
  // Throws Error{busy|io} when the database could not be written: nothing was stored,
  // retry with the same key.
  [[nodiscard]] TransferResult transfer(const TransferRequest& request);
  // The stored outcome of `request` if its (principal, key) already completed with this very
  // request (replayed = true, the byte-identical stored body); nullopt otherwise (unknown,
  // issued, expired, or used with another request: transfer() decides those). Only reads,
  // so it works on a read-only Ledger and never waits for a writer: a server answers
  // retries from its read connections while its writer commits.
  [[nodiscard]] std::optional<TransferResult> replay(const TransferRequest& request);
  [[nodiscard]] std::optional<TransferResult> replay(const ReserveRequest& request);
  [[nodiscard]] std::optional<TransferResult> replay(const PostRequest& request);
  [[nodiscard]] std::optional<TransferResult> replay(const VoidRequest& request);
  [[nodiscard]] std::optional<TransferResult> replay(const ReverseRequest& request);
  // Applies many transfers in ONE commit (group commit), each with its own key and its own
  // outcome, in request order. BatchMode::independent: a rejected item does not affect the
  // others. BatchMode::linked: all-or-nothing; if an item is rejected, no item moves money,
  // the failing item's outcome says why and the others get linked_batch_failed (stored
  // with their keys, like any rejection; a malformed or conflicting item stores nothing).
  // Every item is checked first: if any is malformed, the whole batch is, and no item
  // executes or is stored (each malformed item's invalid_request says what is wrong, every
  // other item's which item stopped the batch; an item whose key already completed still
  // replays its stored outcome); all other keys stay usable.
  // Throws Error{busy|io} for the whole batch: nothing was stored.
  [[nodiscard]] std::vector<TransferResult> transfer_batch(
      std::span<const TransferRequest> requests, BatchMode mode = BatchMode::independent);

  // --- two-phase transfers and refunds (same exactly-once rules as transfer) ------------
  // Holds amount_minor on the debit account: its available balance drops, its posted
  // balance does not; the overdraft rule applies to the available balance.
  [[nodiscard]] TransferResult reserve(const ReserveRequest& request);
  // Captures the full reserved amount or less (the rest is released), once.
  [[nodiscard]] TransferResult post(const PostRequest& request);
  // Releases a hold.
  [[nodiscard]] TransferResult void_pending(const VoidRequest& request);
  // Refunds a posted transfer fully or in part with a compensating journal entry.
  [[nodiscard]] TransferResult reverse(const ReverseRequest& request);
  // Pending transfers, newest first; `state` filters (past-timeout holds count as expired).
  [[nodiscard]] std::vector<PendingTransfer> list_pending(
      std::optional<PendingState> state = std::nullopt, std::int64_t limit = 1000);
  // Voids every pending transfer past its timeout; returns how many.
  std::int64_t expire_pending();

  // --- principals and bearer tokens (SPEC 8; used by ledgerd) -------------------------
  // Creates a principal with a fresh bearer token (256 CSPRNG bits, "lt_" + 64 hex
  // digits); only the token's SHA-256 is stored, so the token is returned this once.
  // Throws Error: invalid_argument (bad name or pattern), already_exists.
  PrincipalToken add_principal(const NewPrincipal& principal);
  [[nodiscard]] std::vector<Principal> list_principals();
  // Revokes the principal: its token is refused from now on. Revoking twice is a no-op
  // (the first revocation time stays). Throws Error{not_found}.
  Principal revoke_principal(const std::string& name);
  // The principal whose token this is, or nullopt if the token is unknown or revoked.
  [[nodiscard]] std::optional<Principal> authenticate(const std::string& token);

  // --- inspection ---------------------------------------------------------------------
  // Journal rows with sequence >= since_sequence, in order, at most `limit`.
  [[nodiscard]] std::vector<JournalEntry> journal(std::int64_t since_sequence = 1,
                                                  std::int64_t limit = 1000);
  // Checks every invariant (SPEC 5, 6 and 10) and reports each violation where it starts:
  // the journal, outcome and event chains, balances and holds against the journal, the
  // rules (posts within their hold, refunds within their original, overdraft rules as
  // created), stored responses against their rows, and closings against the record.
  [[nodiscard]] VerifyReport verify();
  // The same, and with options.public_key_pem every closing's signature too.
  [[nodiscard]] VerifyReport verify(const VerifyOptions& options);

  // --- fiscal integrity (SPEC 10; ledger/fiscal.h) -------------------------------------
  // Records a public key that may sign closings (an event in the event chain); returns its
  // fingerprint. Recording a key again is a no-op. Throws Error{invalid_argument}.
  std::string add_signing_key(const std::string& public_key_pem);
  // Seals the journal rows up to request.until_ms (default now) in a signed closing, exactly
  // once per (principal, key): outcome created with the closing as the body, or a replay
  // of it, or an idempotency conflict. The signing key is recorded if it was not.
  // Throws Error{invalid_argument} (bad key PEM, until before the last closing or in the
  // future), Error{busy|io} (nothing stored; retry with the same key).
  [[nodiscard]] TransferResult close(const CloseRequest& request);
  [[nodiscard]] std::vector<Closing> closings();
  [[nodiscard]] std::optional<Closing> find_closing(std::int64_t number);
  // Writes a self-contained audit archive to `out_path` (never overwritten; mode 0600):
  // every journal row, stored outcome, event and closing, and a manifest of their hashes,
  // signed with `signing_key_pem` if given. See verify_audit_archive.
  void export_audit(const std::string& out_path,
                    const std::optional<std::string>& signing_key_pem = std::nullopt);
  [[nodiscard]] Stats stats();
  // Online backup to `out_path` with the SQLite backup API (the copy is mode 0600).
  // Throws Error{invalid_argument} if out_path exists.
  void backup(const std::string& out_path);

  [[nodiscard]] const std::string& path() const;
  // Whether open() created the ledger and which schema versions it found and left.
  [[nodiscard]] const OpenReport& open_report() const;
  [[nodiscard]] std::int64_t now_ms() const;

  // Implementation; opaque to the embedding app.
  struct Impl;

 private:
  explicit Ledger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger
