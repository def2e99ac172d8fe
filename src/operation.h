// What a money operation is, to the exactly-once runner (exactly_once.h): a small
// description, one per operation, declared in operations/operations.h. A description says
//   - which operation it is (OperationKind; its name is stored with every key it uses);
//   - why a request is malformed (nothing stored, the key stays usable), if it is;
//   - the request's canonical encoding (canonical.h), whose SHA-256 is its fingerprint;
//   - the request fields every response repeats (the echo);
//   - how it executes inside the write transaction: its checks first, then its writes.
// The runner does everything else: replays, idempotency conflicts, storing the outcome.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "impl.h"
#include "ledger/types.h"
#include "response.h"

namespace ledger::detail {

enum class OperationKind : std::uint8_t { transfer, reserve, post, void_pending, reverse, close };

// The name stored in idempotency_keys.operation and used when a key is issued.
[[nodiscard]] const std::string& operation_name(OperationKind kind);

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

// Rebuilds an operation's canonical request from the journal row it wrote; nullopt if that
// row is not one of its own.
using RequestFromJournal = std::optional<std::string> (*)(Db& db, std::int64_t sequence);

template <typename Op>
concept MoneyOperation = requires(const typename Op::Request& request, Impl& impl,
                                  std::int64_t now_ms) {
  { Op::kind } -> std::convertible_to<OperationKind>;
  { request.principal } -> std::convertible_to<const std::string&>;
  { request.key } -> std::convertible_to<const std::string&>;
  { Op::malformed(request) } -> std::same_as<std::optional<std::string>>;
  { Op::encode(request) } -> std::same_as<std::string>;
  { Op::echo(request) } -> std::same_as<ResponseBody>;
  { Op::execute(impl, request, now_ms) } -> std::same_as<Executed>;
};

// An operation whose journal row holds every field of its request (transfer) declares
//   static std::optional<std::string> request_from_journal(Db&, std::int64_t sequence);
// A key that moved money then stores no copy of its request (about 100 bytes of each key
// record, kept forever), and a conflict message rebuilds the request from the row.
template <typename Op>
concept RebuildsRequestFromJournal = requires(Db& db, std::int64_t sequence) {
  { Op::request_from_journal(db, sequence) } -> std::same_as<std::optional<std::string>>;
};

}  // namespace ledger::detail
