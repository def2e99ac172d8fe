// SharedLedger: one Ledger shared by many threads of one process, with group commit.
//
// A Ledger commits each transfer() on its own, with its own fsync, so a process books at
// most one durable transfer per fsync. A SharedLedger lets many threads call transfer() at
// once and books the transfers that arrive while a commit is in flight together, in ONE
// transaction with ONE fsync (leader/follower group commit): the first caller to find no
// commit in flight becomes the leader, waits at most GroupCommitOptions::max_wait (100 µs)
// for as many callers as its previous group had, takes up to max_batch queued transfers
// (its own and the others'), books them with Ledger::transfer_batch(...,
// BatchMode::independent), hands each caller its own result and wakes it. Callers that
// arrive meanwhile form the next group. A lone caller is booked at once (it expects nobody
// else, and a group of one uses Ledger::transfer).
//
// What a caller sees is what Ledger::transfer would have given it:
//   - Durability is unchanged: transfer() returns only after the commit holding the
//     caller's transfer is durable (with Durability::full, after its fsync).
//   - Atomicity is per transfer, as before: each transfer keeps its own key and its own
//     outcome (created, replayed with the byte-identical stored body, a stored rejection, a
//     conflict, invalid_request); one transfer's rejection never affects another in its
//     group. Two callers with the same (principal, key) in one group: the first executes,
//     the second gets the replay (or the conflict, if its request differs).
//   - A transient error (Error{busy} when another process held the write lock past
//     Options::busy_timeout_ms, Error{io}) fails the whole group's transaction: every
//     caller in the group gets that Error, nothing of the group was stored, and each
//     retries with its same key, exactly as after a failed Ledger::transfer.
//   - Any other exception (a bug, a throwing Options::clock_ms) also rolls the group back;
//     its transfers are then booked again one by one, so that each caller gets what its
//     own Ledger::transfer gives and one faulty request cannot fail the others.
//
// Thread safety: transfer(), with_ledger() and stats() may be called from any number of
// threads at once. Moving, assigning or destroying a SharedLedger REQUIRES that no thread is
// using it. Separate processes still open their own Ledger or SharedLedger on the file:
// SQLite's write lock serialises their commits, as it does for separate Ledgers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "ledger/ledger.h"

namespace ledger {

struct GroupCommitOptions {
  // The most transfers one commit books; callers past it form the next group. Bounds how
  // long the leader holds the write lock and how much one failed commit has to retry.
  // REQUIRES: >= 1.
  std::size_t max_batch = 256;
  // How long a leader may wait for the callers it expects before it commits: as many as
  // its previous group answered plus those still queued then (capped by max_batch). A lone
  // caller expects only itself and never waits; 0 never waits. The wait is a fraction of
  // a commit's fsync; without it, steady callers split into alternating half-size groups
  // (those still being answered miss the next one), each paying for a commit.
  std::chrono::microseconds max_wait{100};
};

// What the group commit has done since the SharedLedger was made, and its queue now.
struct GroupCommitStats {
  // Groups booked by a leader: one write transaction each (a group whose transaction
  // failed with a non-transient error is then booked one transaction per transfer).
  std::int64_t commits = 0;
  std::int64_t transfers = 0;      // transfer() calls answered, with a result or an Error
  std::int64_t largest_batch = 0;  // transfers in the largest group so far
  std::int64_t queued = 0;         // callers waiting now for a group (not the one in flight)
};

class SharedLedger {
 public:
  // Opens the ledger as Ledger::open does (same errors) and shares it. With
  // Options::read_only every transfer throws Error{invalid_argument}, as on a read-only
  // Ledger: share a read-only ledger only for with_ledger() reads.
  [[nodiscard]] static SharedLedger open(const std::string& path, const Options& options = {},
                                         GroupCommitOptions group = {});
  // Shares an already open ledger, e.g. one the app has just set up accounts in. Throws
  // Error{invalid_argument} if group.max_batch is 0.
  explicit SharedLedger(Ledger ledger, GroupCommitOptions group = {});

  SharedLedger(SharedLedger&&) noexcept;
  SharedLedger& operator=(SharedLedger&&) noexcept;
  ~SharedLedger();

  // Ledger::transfer, thread-safe and group-committed (see above). Blocks until the
  // caller's transfer is durably committed, replayed or refused. Throws Error{busy|io}
  // when its group could not be written: nothing was stored, retry with the same key.
  [[nodiscard]] TransferResult transfer(const TransferRequest& request);

  // Runs `fn(Ledger&)` with the shared connection to itself, between group commits, and
  // returns what it returns: any other Ledger call (accounts, keys, reserve, verify, ...)
  // without a second connection. `fn` must not call back into this SharedLedger (the
  // connection is held: it would deadlock) and must not keep the Ledger& (or a reference
  // into it) past its return.
  template <typename Fn>
  auto with_ledger(Fn&& fn) -> std::invoke_result_t<Fn&, Ledger&> {
    using Result = std::invoke_result_t<Fn&, Ledger&>;
    static_assert(!std::is_reference_v<Result>,
                  "with_ledger: return a value; a reference would outlive the lock");
    if constexpr (std::is_void_v<Result>) {
      run_exclusive([&](Ledger& ledger) { fn(ledger); });
    } else {
      std::optional<Result> result;
      run_exclusive([&](Ledger& ledger) { result.emplace(fn(ledger)); });
      return std::move(*result);
    }
  }

  [[nodiscard]] GroupCommitStats stats() const;

  // Implementation; opaque to the embedding app.
  struct Impl;

 private:
  void run_exclusive(const std::function<void(Ledger&)>& fn);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger
