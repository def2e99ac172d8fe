#include "batch.h"

#include <fmt/format.h>

#include "accounts.h"
#include "exactly_once.h"
#include "operations/operations.h"

namespace ledger::detail {
namespace {

using Transfer = TransferOperation;

// An item of a batch that does not run: what its key answers if the key already completed
// (SPEC 4: every retry of a completed key is answered from its record, it never executes),
// else `not_run`.
TransferResult completed_or(Impl& impl, const TransferRequest& request,
                            const PreparedRequest& prepared, TransferResult not_run) {
  auto answered = answer_if_completed(impl, prepared, Transfer::echo(request));
  return answered ? std::move(*answered) : std::move(not_run);
}

// Stores `outcome` as the item's final rejection, executing nothing (a completed key still
// answers from its record).
TransferResult store_failure(Impl& impl, const TransferRequest& request,
                             const PreparedRequest& prepared, Outcome outcome,
                             const std::string& message, std::int64_t now) {
  return run_keyed(impl, prepared, Transfer::echo(request), now,
                   [&] { return rejected(outcome, message); });
}

// The first item that did not end as a (possibly replayed) creation, if any.
std::optional<std::size_t> first_failure(const std::vector<TransferResult>& results) {
  std::optional<std::size_t> business;
  for (std::size_t i = 0; i < results.size(); ++i) {
    auto kind = outcome_class(results[i].outcome);
    // A conflicting item refuses the batch itself (a malformed one never gets here: see
    // refuse_malformed_batch).
    if (kind == OutcomeClass::conflict) return i;
    if (kind == OutcomeClass::rejected && !business) business = i;
  }
  return business;
}

std::vector<TransferResult> run_linked(Impl& impl, std::span<const TransferRequest> requests,
                                       std::span<const PreparedRequest> prepared,
                                       std::vector<std::optional<TransferResult>>& replayed,
                                       std::int64_t now) {
  flush_cached_writes(impl);  // what a ROLLBACK TO drops must not include earlier writes
  impl.db.exec("SAVEPOINT linked_batch");
  std::vector<TransferResult> results;
  results.reserve(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    results.push_back(replayed[i] ? std::move(*replayed[i])
                                  : run_in_transaction<Transfer>(impl, requests[i], prepared[i], now));
  }
  auto failed = first_failure(results);
  if (!failed) {
    impl.db.exec("RELEASE linked_batch");
    return results;
  }
  // Undo every item, then record why each did not run.
  impl.db.exec("ROLLBACK TO linked_batch");
  impl.cache.clear();  // the rows it holds were rolled back too
  impl.db.exec("RELEASE linked_batch");
  const TransferResult failure = results[*failed];
  std::string why = fmt::format("not run: linked batch item {} failed ({}: {})", *failed + 1,
                                to_string(failure.outcome), failure.message);
  bool stored = outcome_class(failure.outcome) == OutcomeClass::rejected;
  // Storing goes through the normal keyed path, so an item whose key was completed before
  // this batch still replays its own stored outcome.
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (!stored) {
      if (i == *failed) continue;
      // Nothing is stored for a refused batch, but a completed key still replays.
      results[i] = completed_or(
          impl, requests[i], prepared[i],
          unstored_result(Outcome::linked_batch_failed, why, Transfer::echo(requests[i])));
    } else if (i != *failed) {
      results[i] = store_failure(impl, requests[i], prepared[i], Outcome::linked_batch_failed,
                                 why, now);
    } else if (!failure.replayed) {
      results[i] = store_failure(impl, requests[i], prepared[i], failure.outcome,
                                 failure.message, now);
    }
  }
  return results;
}

// A batch with a malformed item is itself malformed: every item is checked before any
// executes, and then none does (nothing is stored, every key stays usable). The malformed
// items say what is wrong with them, the others which item stopped them, unless their key
// already completed (completed_or).
std::optional<std::vector<TransferResult>> refuse_malformed_batch(
    Impl& impl, std::span<const TransferRequest> requests,
    std::span<const PreparedRequest> prepared) {
  std::vector<std::optional<std::string>> problems;
  problems.reserve(requests.size());
  std::optional<std::size_t> first;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    problems.push_back(Transfer::malformed(requests[i]));
    if (problems.back() && !first) first = i;
  }
  if (!first) return std::nullopt;
  const std::string why = fmt::format(
      "not run: batch item {} is malformed ({}); nothing in this batch was stored: fix that "
      "item and send the batch again with the same keys",
      *first + 1, *problems[*first]);
  std::vector<TransferResult> results;
  results.reserve(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (problems[i]) {
      results.push_back(malformed_result(*problems[i], Transfer::echo(requests[i])));
      continue;
    }
    results.push_back(completed_or(impl, requests[i], prepared[i],
                                   malformed_result(why, Transfer::echo(requests[i]))));
  }
  return results;
}

}  // namespace

std::vector<TransferResult> transfer_batch(Impl& impl, std::span<const TransferRequest> requests,
                                           BatchMode mode) {
  static const std::string kWhat = "transfer batch";
  require_writable(impl, kWhat);
  std::vector<PreparedRequest> prepared;
  prepared.reserve(requests.size());
  for (const auto& request : requests) prepared.push_back(prepare<Transfer>(request));
  std::vector<std::optional<TransferResult>> replayed(requests.size());
  const bool all_replayed = guarded(impl.db, kWhat, [&] {
    // Only up to the first item that does not replay: from there on the batch needs the
    // write lock anyway, and the transaction reads each remaining item's key row itself.
    // Reading them all here too would search the key index twice for every new item.
    for (std::size_t i = 0; i < requests.size(); ++i) {
      replayed[i] = replay_completed(impl, prepared[i]);
      if (!replayed[i]) return false;
    }
    return true;
  });
  if (all_replayed) {
    std::vector<TransferResult> results;
    results.reserve(requests.size());
    for (auto& result : replayed) results.push_back(std::move(*result));
    return results;
  }
  return write_operation(impl, kWhat, [&](std::int64_t now) {
    if (auto refused = refuse_malformed_batch(impl, requests, prepared)) {
      return std::move(*refused);
    }
    if (mode == BatchMode::linked) return run_linked(impl, requests, prepared, replayed, now);
    // No savepoint per item is needed: an item writes nothing until all its checks passed,
    // and a failed write throws and rolls back the whole batch.
    std::vector<TransferResult> results;
    results.reserve(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      results.push_back(replayed[i]
                            ? std::move(*replayed[i])
                            : run_in_transaction<Transfer>(impl, requests[i], prepared[i], now));
    }
    return results;
  });
}

}  // namespace ledger::detail
