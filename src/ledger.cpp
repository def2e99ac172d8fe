// The public entry points of Ledger. Each translates SQLite errors into ledger::Error
// (sqlite_errors.h); every money operation runs through the exactly-once runner.
#include "ledger/ledger.h"

#include "accounts.h"
#include "batch.h"
#include "clock.h"
#include "exactly_once.h"
#include "impl.h"
#include "journal.h"
#include "key_store.h"
#include "operations/operations.h"
#include "pending.h"
#include "principals.h"
#include "verify.h"

namespace ledger {

using detail::guarded;
using detail::require_writable;

std::int64_t Ledger::Impl::now_ms() const {
  return options.clock_ms ? options.clock_ms() : detail::system_clock_ms();
}

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::Ledger(Ledger&&) noexcept = default;
Ledger& Ledger::operator=(Ledger&&) noexcept = default;
Ledger::~Ledger() = default;

Account Ledger::create_account(const NewAccount& account) {
  require_writable(*impl_, "creating an account");
  return guarded(impl_->db, "creating an account",
                 [&] { return detail::create_account(*impl_, account); });
}

// Readers see lapsed holds as released even before a write releases them.
std::optional<Account> Ledger::find_account(const std::string& code) {
  return guarded(impl_->db, "reading an account", [&] {
    auto account = detail::find_account(impl_->db, code);
    if (account) account->pending_minor = detail::effective_pending(*impl_, *account, impl_->now_ms());
    return account;
  });
}

std::vector<Account> Ledger::list_accounts() {
  return guarded(impl_->db, "listing accounts", [&] {
    auto accounts = detail::list_accounts(impl_->db);
    for (auto& account : accounts) {
      account.pending_minor = detail::effective_pending(*impl_, account, impl_->now_ms());
    }
    return accounts;
  });
}

KeyRecord Ledger::issue_key(const std::string& principal, const std::string& operation,
                            std::optional<std::int64_t> ttl_seconds) {
  require_writable(*impl_, "issuing a key");
  return guarded(impl_->db, "issuing a key", [&] {
    return detail::issue_key(*impl_, principal, operation, ttl_seconds);
  });
}

std::optional<KeyRecord> Ledger::find_key(const std::string& principal, const std::string& key) {
  return guarded(impl_->db, "reading a key", [&] { return detail::find_key(*impl_, principal, key); });
}

std::vector<KeyRecord> Ledger::list_keys(const KeyFilter& filter) {
  return guarded(impl_->db, "listing keys", [&] { return detail::list_keys(*impl_, filter); });
}

PurgeReport Ledger::purge_keys(std::optional<std::int64_t> older_than_seconds) {
  require_writable(*impl_, "purging keys");
  return guarded(impl_->db, "purging keys",
                 [&] { return detail::purge_keys(*impl_, older_than_seconds); });
}

PrincipalToken Ledger::add_principal(const NewPrincipal& principal) {
  require_writable(*impl_, "adding a principal");
  return guarded(impl_->db, "adding a principal",
                 [&] { return detail::add_principal(*impl_, principal); });
}

std::vector<Principal> Ledger::list_principals() {
  return guarded(impl_->db, "listing principals", [&] { return detail::list_principals(impl_->db); });
}

Principal Ledger::revoke_principal(const std::string& name) {
  require_writable(*impl_, "revoking a principal");
  return guarded(impl_->db, "revoking a principal",
                 [&] { return detail::revoke_principal(*impl_, name); });
}

std::optional<Principal> Ledger::authenticate(const std::string& token) {
  return guarded(impl_->db, "checking a token", [&] { return detail::authenticate(impl_->db, token); });
}

TransferResult Ledger::transfer(const TransferRequest& request) {
  return detail::run_exactly_once<detail::TransferOperation>(*impl_, request);
}

TransferResult Ledger::reserve(const ReserveRequest& request) {
  return detail::run_exactly_once<detail::ReserveOperation>(*impl_, request);
}

TransferResult Ledger::post(const PostRequest& request) {
  return detail::run_exactly_once<detail::PostOperation>(*impl_, request);
}

TransferResult Ledger::void_pending(const VoidRequest& request) {
  return detail::run_exactly_once<detail::VoidOperation>(*impl_, request);
}

TransferResult Ledger::reverse(const ReverseRequest& request) {
  return detail::run_exactly_once<detail::ReverseOperation>(*impl_, request);
}

std::optional<TransferResult> Ledger::replay(const TransferRequest& request) {
  return detail::replay_only<detail::TransferOperation>(*impl_, request);
}

std::optional<TransferResult> Ledger::replay(const ReserveRequest& request) {
  return detail::replay_only<detail::ReserveOperation>(*impl_, request);
}

std::optional<TransferResult> Ledger::replay(const PostRequest& request) {
  return detail::replay_only<detail::PostOperation>(*impl_, request);
}

std::optional<TransferResult> Ledger::replay(const VoidRequest& request) {
  return detail::replay_only<detail::VoidOperation>(*impl_, request);
}

std::optional<TransferResult> Ledger::replay(const ReverseRequest& request) {
  return detail::replay_only<detail::ReverseOperation>(*impl_, request);
}

std::optional<TransferResult> check_request(const TransferRequest& request) {
  return detail::check_malformed<detail::TransferOperation>(request);
}

std::vector<TransferResult> Ledger::transfer_batch(std::span<const TransferRequest> requests,
                                                   BatchMode mode) {
  return detail::transfer_batch(*impl_, requests, mode);
}

std::vector<PendingTransfer> Ledger::list_pending(std::optional<PendingState> state,
                                                  std::int64_t limit) {
  return guarded(impl_->db, "listing pending transfers",
                 [&] { return detail::list_pending(*impl_, state, limit); });
}

std::int64_t Ledger::expire_pending() {
  return detail::write_operation(*impl_, "expiring pending transfers", [&](std::int64_t now) {
    return detail::expire_all_pending(*impl_, now);
  });
}

std::vector<JournalEntry> Ledger::journal(std::int64_t since_sequence, std::int64_t limit) {
  return guarded(impl_->db, "reading the journal",
                 [&] { return detail::read_journal(impl_->db, since_sequence, limit); });
}

VerifyReport Ledger::verify() {
  return guarded(impl_->db, "verifying", [&] { return detail::verify(*impl_, {}); });
}

const std::string& Ledger::path() const { return impl_->path; }
const OpenReport& Ledger::open_report() const { return impl_->open_report; }
std::int64_t Ledger::now_ms() const { return impl_->now_ms(); }

}  // namespace ledger
