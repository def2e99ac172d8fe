// The exactly-once skeleton shared by every money-moving operation (transfer, reserve,
// post, void, reverse). It runs inside the caller's write transaction:
//   1. the caller has already refused malformed requests (nothing stored);
//   2. the key's record decides: replay, key_reused_with_different_request, key_expired,
//      key_operation_mismatch, key_unknown; or execute;
//   3. the operation executes (its checks first, then its writes) and returns an outcome;
//   4. the outcome and the response body are stored on the key.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "impl.h"
#include "response.h"

namespace ledger::detail {

// Rebuilds an operation's canonical request from the journal row it wrote; nullopt if that
// row is not one of its own.
using RequestFromJournal = std::optional<std::string> (*)(Db& db, std::int64_t sequence);

struct KeyedCall {
  const std::string& principal;
  const std::string& key;
  const std::string& operation;  // "transfer", "reserve", "post", "void", "reverse"
  const std::string& canonical;  // the request's canonical encoding (fingerprint input)
  const ResponseBody& echo;      // request fields every response repeats
  std::int64_t now_ms = 0;
  // Set by an operation whose journal row holds every field of its request (transfer): a
  // key that moved money then stores no copy of the request (about 100 bytes of each
  // ~450-byte key record, kept forever), and a conflict message rebuilds it from the row.
  // The fingerprint is stored either way; replays never read the request.
  RequestFromJournal request_from_journal = nullptr;
};

// What an operation's execution decided. For a rejection nothing may have been written.
struct Executed {
  Outcome outcome = Outcome::created;
  ResponseBody fields;  // added to the stored body (replacing fields of the same key)
  std::optional<std::int64_t> sequence;
  std::string message;
};

[[nodiscard]] inline Executed rejected(Outcome outcome, std::string message) {
  return Executed{outcome, ResponseBody{}, std::nullopt, std::move(message)};
}

TransferResult run_keyed(Impl& impl, const KeyedCall& call,
                         const std::function<Executed()>& execute);

// The stored outcome of (principal, key) if the key completed with this very request, read
// WITHOUT the write lock. Safe because a completed key's outcome never changes; used as a
// fast path before BEGIN IMMEDIATE so replays do not queue behind writers.
std::optional<TransferResult> completed_replay(Impl& impl, const std::string& principal,
                                               const std::string& key,
                                               const std::string& canonical);

// A result that is not stored (malformed request, idempotency conflict).
TransferResult unstored_result(Outcome outcome, std::string message, const ResponseBody& echo);

// The unstored invalid_request result for a malformed request: the key stays usable.
TransferResult malformed_result(const std::string& reason, const ResponseBody& echo);

// Principal and key checks every operation shares; nullopt if both are valid.
std::optional<std::string> check_principal_and_key(const std::string& principal,
                                                   const std::string& key);

}  // namespace ledger::detail
