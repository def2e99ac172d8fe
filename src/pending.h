// Holds of two-phase transfers (SPEC 5). A reserve holds funds on the debit account
// (available drops, posted does not); post captures all or part of the hold once, void
// releases it, and a hold past its timeout expires: lazily when its account or the
// transfer is touched, or by expire_all_pending. The reserve, post and void rows are
// journal rows (operations/); the mutable state of a hold lives in pending_transfers and
// in the debit account's held amount, kept here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "operation.h"

namespace ledger::detail {

// The longest timeout a reserve may ask for.
inline constexpr std::int64_t kMaxHoldSeconds = 366LL * 24 * 3600;

struct Hold {
  std::int64_t seq = 0;
  std::string debit_code, credit_code, currency, state;
  std::int64_t amount = 0, expires_at = 0;
};

std::optional<Hold> load_hold(Db& db, std::int64_t seq);

// Records a new hold for the reserve journal row `seq`.
void insert_hold(Db& db, std::int64_t seq, std::int64_t debit_id, std::int64_t credit_id,
                 std::int64_t amount_minor, std::int64_t expires_at_ms);

// Marks an open hold posted or voided by journal row `finished_seq`.
void finish_hold(Db& db, std::int64_t seq, const char* state, std::int64_t posted_amount,
                 std::int64_t finished_seq);

// The state checks post and void share, in this order: exists, already posted, already
// voided, expired (expiring it now if its timeout passed). The rejection, or nullopt.
std::optional<Executed> check_hold_open(Impl& impl, const std::optional<Hold>& hold,
                                        std::int64_t seq, std::int64_t now_ms);

// Sets an account's held (pending) amount.
void set_pending(Impl& impl, std::int64_t account_id, std::int64_t pending_minor);

// The held amount without holds past their timeout that no write has released yet, as a
// reader should see it (the stored column changes only when a write releases them).
std::int64_t effective_pending(Impl& impl, const Account& account, std::int64_t now_ms);

// Marks every pending transfer of `account` past its timeout as expired and releases its
// hold (updating account.pending_minor). Returns how many were released.
std::int64_t release_due_holds(Impl& impl, Account& account, std::int64_t now_ms);

// Releases every hold past its timeout, on every account; returns how many.
std::int64_t expire_all_pending(Impl& impl, std::int64_t now_ms);

std::vector<PendingTransfer> list_pending(Impl& impl, std::optional<PendingState> state,
                                          std::int64_t limit);

}  // namespace ledger::detail
