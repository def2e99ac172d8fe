// The exactly-once runner: the one path every money operation takes (SPEC 4).
//
//   1. prepare:  encode the request and hash it, once;
//   2. replay:   without the write lock, the stored outcome of a key that completed with
//                this very request is the answer (a completed key never changes, so
//                replays never queue behind writers);
//   3. validate: a malformed request is answered and nothing is stored;
//   4. in ONE write transaction (or a savepoint in the app's, see Transaction):
//        the key's row, read once, decides: replay, key_reused_with_different_request,
//        key_operation_mismatch, key_expired, key_unknown; or
//        the operation executes (its checks, then its writes) and its outcome and
//        response body are stored on the key.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "crypto.h"
#include "operation.h"
#include "sqlite_errors.h"
#include "write_scope.h"

namespace ledger::detail {

// A request as the runner sees it after step 1.
struct PreparedRequest {
  OperationKind kind = OperationKind::transfer;
  const std::string& principal;
  const std::string& key;
  std::string canonical;  // the canonical encoding (stored for conflict messages)
  Digest fingerprint{};   // its SHA-256
  RequestFromJournal request_from_journal = nullptr;
};

template <MoneyOperation Op>
[[nodiscard]] PreparedRequest prepare(const typename Op::Request& request) {
  PreparedRequest prepared{Op::kind, request.principal, request.key, Op::encode(request)};
  prepared.fingerprint = sha256(prepared.canonical);
  if constexpr (RebuildsRequestFromJournal<Op>) {
    prepared.request_from_journal = &Op::request_from_journal;
  }
  return prepared;
}

// Step 2: the replay of a key that completed with this very request; nullopt otherwise
// (unknown, not completed, or completed with another request: step 4 decides those).
// Needs no write lock and writes nothing.
[[nodiscard]] std::optional<TransferResult> replay_completed(Impl& impl,
                                                             const PreparedRequest& prepared);

// Step 4, inside the caller's write transaction: the key decides, or `execute` runs.
TransferResult run_keyed(Impl& impl, const PreparedRequest& prepared, const ResponseBody& echo,
                         std::int64_t now_ms, const std::function<Executed()>& execute);

// Inside the write transaction, executing nothing: what the key answers if it completed
// (its replay, or key_reused_with_different_request); nullopt if it did not complete.
std::optional<TransferResult> answer_if_completed(Impl& impl, const PreparedRequest& prepared,
                                                  const ResponseBody& echo);

template <MoneyOperation Op>
TransferResult run_in_transaction(Impl& impl, const typename Op::Request& request,
                                  const PreparedRequest& prepared, std::int64_t now_ms) {
  return run_keyed(impl, prepared, Op::echo(request), now_ms,
                   [&] { return Op::execute(impl, request, now_ms); });
}

// A result that is not stored (malformed request, idempotency conflict).
TransferResult unstored_result(Outcome outcome, std::string message, const ResponseBody& echo);
// The unstored invalid_request result for a malformed request: the key stays usable.
TransferResult malformed_result(const std::string& reason, const ResponseBody& echo);

// Steps 1 to 4 for one request, in a write transaction of its own.
template <MoneyOperation Op>
TransferResult run_exactly_once(Impl& impl, const typename Op::Request& request) {
  const std::string& name = operation_name(Op::kind);
  require_writable(impl, name);
  const PreparedRequest prepared = prepare<Op>(request);
  if (auto replayed = guarded(impl.db, name, [&] { return replay_completed(impl, prepared); })) {
    return std::move(*replayed);
  }
  if (auto problem = Op::malformed(request)) return malformed_result(*problem, Op::echo(request));
  return write_operation(impl, name, [&](std::int64_t now_ms) {
    return run_in_transaction<Op>(impl, request, prepared, now_ms);
  });
}

// Steps 1 and 2 only: what Ledger::replay answers, on a read-only ledger too.
template <MoneyOperation Op>
std::optional<TransferResult> replay_only(Impl& impl, const typename Op::Request& request) {
  const PreparedRequest prepared = prepare<Op>(request);
  return guarded(impl.db, "replaying", [&] { return replay_completed(impl, prepared); });
}

// The unstored result of a malformed request, found without any ledger.
template <MoneyOperation Op>
std::optional<TransferResult> check_malformed(const typename Op::Request& request) {
  auto problem = Op::malformed(request);
  if (!problem) return std::nullopt;
  return malformed_result(*problem, Op::echo(request));
}

}  // namespace ledger::detail
