// Every money operation the exactly-once runner knows: one description each (see
// operation.h), defined in the file of the same name. Adding an operation means one new
// file here, its OperationKind, and its public entry point.
#pragma once

#include <optional>
#include <string>

#include "operation.h"

namespace ledger::detail {

struct TransferOperation {
  using Request = TransferRequest;
  static constexpr OperationKind kind = OperationKind::transfer;
  static std::optional<std::string> malformed(const Request& request);
  static std::string encode(const Request& request);
  static ResponseBody echo(const Request& request);
  static Executed execute(Impl& impl, const Request& request, std::int64_t now_ms);
  static std::optional<std::string> request_from_journal(Db& db, std::int64_t sequence);
};

struct ReserveOperation {
  using Request = ReserveRequest;
  static constexpr OperationKind kind = OperationKind::reserve;
  static std::optional<std::string> malformed(const Request& request);
  static std::string encode(const Request& request);
  static ResponseBody echo(const Request& request);
  static Executed execute(Impl& impl, const Request& request, std::int64_t now_ms);
};

struct PostOperation {
  using Request = PostRequest;
  static constexpr OperationKind kind = OperationKind::post;
  static std::optional<std::string> malformed(const Request& request);
  static std::string encode(const Request& request);
  static ResponseBody echo(const Request& request);
  static Executed execute(Impl& impl, const Request& request, std::int64_t now_ms);
};

struct VoidOperation {
  using Request = VoidRequest;
  static constexpr OperationKind kind = OperationKind::void_pending;
  static std::optional<std::string> malformed(const Request& request);
  static std::string encode(const Request& request);
  static ResponseBody echo(const Request& request);
  static Executed execute(Impl& impl, const Request& request, std::int64_t now_ms);
};

struct ReverseOperation {
  using Request = ReverseRequest;
  static constexpr OperationKind kind = OperationKind::reverse;
  static std::optional<std::string> malformed(const Request& request);
  static std::string encode(const Request& request);
  static ResponseBody echo(const Request& request);
  static Executed execute(Impl& impl, const Request& request, std::int64_t now_ms);
};

// Not money, but decided exactly once like money: a signed closing (closings.h).
struct CloseOperation {
  using Request = CloseRequest;
  static constexpr OperationKind kind = OperationKind::close;
  static std::optional<std::string> malformed(const Request& request);
  static std::string encode(const Request& request);
  static ResponseBody echo(const Request& request);
  static Executed execute(Impl& impl, const Request& request, std::int64_t now_ms);
};

static_assert(MoneyOperation<TransferOperation> && RebuildsRequestFromJournal<TransferOperation>);
static_assert(MoneyOperation<ReserveOperation> && MoneyOperation<PostOperation> &&
              MoneyOperation<VoidOperation> && MoneyOperation<ReverseOperation>);

// The response fields post and void repeat from their request.
ResponseBody pending_step_echo(const std::string& principal, const std::string& key,
                               std::int64_t pending_sequence, const std::string& memo);
// Why a post or void request is malformed, or nullopt.
std::optional<std::string> malformed_pending_step(const std::string& principal,
                                                  const std::string& key,
                                                  std::int64_t pending_sequence,
                                                  std::int64_t amount_minor,
                                                  const std::string& memo);

}  // namespace ledger::detail
