// Batches: many transfers in one commit. Messages number items from 1. A batch with a
// malformed item runs nothing; independent batches then run each item; linked batches are
// all-or-nothing, inside a savepoint.
#include <fmt/format.h>

#include "ledger_ops.h"

namespace ledger::detail {
namespace {

// An item of a batch that does not run: the stored outcome of its key if the key already
// completed (SPEC 4: every retry of a completed key replays; for such a key the transfer
// path only reads, it never executes), else `not_run`.
TransferResult completed_or(Impl& impl, const TransferRequest& request, std::int64_t now,
                            TransferResult not_run) {
  auto key = load_key(impl.db, request.principal, request.key);
  if (key && key->state == "completed") {
    return well_formed_transfer_in_transaction(impl, request, now);
  }
  return not_run;
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
                                       std::int64_t now) {
  impl.db.flush_cache();  // what a ROLLBACK TO drops must not include earlier balances
  impl.db.exec("SAVEPOINT linked_batch");
  std::vector<TransferResult> results;
  results.reserve(requests.size());
  for (const auto& request : requests) {
    results.push_back(well_formed_transfer_in_transaction(impl, request, now));
  }
  auto failed = first_failure(results);
  if (!failed) {
    impl.db.exec("RELEASE linked_batch");
    return results;
  }
  // Undo every item, then record why each did not run.
  impl.db.exec("ROLLBACK TO linked_batch");
  impl.db.cache().clear();  // the rows it holds were rolled back too
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
      results[i] = completed_or(impl, requests[i], now, unstored_linked_failure(requests[i], why));
    } else if (i != *failed) {
      results[i] = store_linked_failure(impl, requests[i], Outcome::linked_batch_failed, why, now);
    } else if (!failure.replayed) {
      results[i] = store_linked_failure(impl, requests[i], failure.outcome, failure.message, now);
    }
  }
  return results;
}

// A batch with a malformed item is itself malformed: every item is checked before any
// executes, and then none does (nothing is stored, every key stays usable). The malformed
// items say what is wrong with them, the others which item stopped them, unless their key
// already completed (completed_or).
std::optional<std::vector<TransferResult>> refuse_malformed_batch(
    Impl& impl, std::span<const TransferRequest> requests, std::int64_t now) {
  std::vector<std::optional<std::string>> problems;
  problems.reserve(requests.size());
  std::optional<std::size_t> first;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    problems.push_back(malformed_transfer(requests[i]));
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
      results.push_back(malformed_transfer_result(requests[i], *problems[i]));
      continue;
    }
    results.push_back(
        completed_or(impl, requests[i], now, malformed_transfer_result(requests[i], why)));
  }
  return results;
}

}  // namespace

std::vector<TransferResult> transfer_batch_in_transaction(Impl& impl,
                                                          std::span<const TransferRequest> requests,
                                                          BatchMode mode, std::int64_t now) {
  if (auto refused = refuse_malformed_batch(impl, requests, now)) return std::move(*refused);
  if (mode == BatchMode::linked) return run_linked(impl, requests, now);
  std::vector<TransferResult> results;
  results.reserve(requests.size());
  // No savepoint per item is needed: an item writes nothing until all its checks passed,
  // and a failed write throws and rolls back the whole batch.
  for (const auto& request : requests) {
    results.push_back(well_formed_transfer_in_transaction(impl, request, now));
  }
  return results;
}

}  // namespace ledger::detail
