// The crash suite's workloads: deterministic streams of operations per principal.
//
// Operation `index` of stream `principal` under `seed` is always the same, so the process
// that checks can rebuild exactly what a killed child sent from the indices it recorded.
// The one thing decided at run time is the journal sequence a post, void or refund names:
// it is the sequence the engine gave the key it refers to (an earlier operation of the
// same stream), looked up with find_key just before the call (resolve_op). That key is
// always completed by then (it was attempted earlier, and in-doubt keys are retried first),
// and a completed key's sequence never changes, so every retry sends the same request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/ledger.h"
#include "report.h"

namespace crash {

enum class Workload {
  // Transfers only, one stream against customer accounts that cannot go negative:
  // transfers are created or rejected (insufficient funds, unknown account, currency
  // mismatch) depending on the balances, so the model applies them in execution order.
  sequential,
  // Transfers only, many streams at once between accounts without a floor: every transfer
  // is created whatever the interleaving, so the model does not depend on the order.
  concurrent,
  // Every operation (see OpKind) on the sequential workload's accounts plus `card`: holds,
  // full, partial and excessive posts, voids, holds that time out, full, partial and
  // excessive refunds, independent batches and linked batches with a failing item.
  mixed,
  // The mixed operations, many streams at once, between accounts without a floor; each
  // stream's posts, voids and refunds name only its own earlier operations, so outcomes
  // do not depend on the interleaving either.
  mixed_concurrent,
};

[[nodiscard]] const char* to_string(Workload workload);
[[nodiscard]] std::optional<Workload> workload_from_string(std::string_view name);
[[nodiscard]] bool is_mixed(Workload workload);
// The workload that several processes run at once on the same accounts as `workload`.
[[nodiscard]] Workload concurrent_variant(Workload workload);

// One account of a workload.
struct AccountSpec {
  std::string code;
  std::string currency;
  ledger::OverdraftRule overdraft;
  std::int64_t limit_minor;
};
[[nodiscard]] const std::vector<AccountSpec>& accounts_of(Workload workload);

// Creates the workload's accounts that do not exist yet (safe to call after any crash).
void ensure_accounts(ledger::Ledger& ledger, Workload workload);

enum class OpKind {
  transfer, reserve, post, void_pending, reverse, batch, linked_batch, expire, close
};
[[nodiscard]] const char* to_string(OpKind kind);

// A journal sequence no row has: what a post, void or refund names when the key it refers
// to produced no row (it was a stored rejection). The engine must refuse it, stored.
inline constexpr std::int64_t kNoSuchSequence = 1'000'000'000;

// A hold that times out: reserved for this long (the shortest timeout the engine takes),
// always on an account without a floor (`card`), so that whether it has timed out by the
// time something touches it changes no other outcome. Other holds never time out.
inline constexpr std::int64_t kShortHoldSeconds = 1;

// One operation of a stream. Only the fields of `kind` are used.
struct Op {
  OpKind kind = OpKind::transfer;
  std::string principal;
  std::int64_t index = 0;
  std::vector<ledger::TransferRequest> items;  // transfer: one; batches: each with its key
  ledger::ReserveRequest reserve;
  ledger::PostRequest post;
  ledger::VoidRequest void_request;
  ledger::ReverseRequest reverse;
  ledger::CloseRequest close;  // a signed closing (up to now), keyed like money
  // post, void, reverse: the key (of this stream) whose journal row the request names, or
  // empty for none; resolve_op() puts that row's sequence into the request. The key is
  // that of item `target_item` of operation `target_index`.
  std::string target_key;
  std::int64_t target_index = -1;
  std::size_t target_item = 0;
};

// Operation `index` of stream `principal`; its keys are unique per (seed, principal, index).
[[nodiscard]] Op make_op(Workload workload, std::uint64_t seed, const std::string& principal,
                         std::int64_t index);
// Transfer `index` of a transfers-only workload (sequential or concurrent).
[[nodiscard]] ledger::TransferRequest make_request(Workload workload, std::uint64_t seed,
                                                   const std::string& principal,
                                                   std::int64_t index);

// The idempotency keys of `op`, in the order of run_op()'s results (none for expire).
[[nodiscard]] std::vector<std::string> op_keys(const Op& op);

// Fills in the sequence that a post, void or refund names (find_key on target_key).
void resolve_op(ledger::Ledger& ledger, Op& op);

// resolve_op(), then the call: one result per key of op_keys(). Expire calls
// Ledger::expire_pending() and returns no result. Throws what the Ledger throws.
std::vector<ledger::TransferResult> run_op(ledger::Ledger& ledger, Op& op);

}  // namespace crash
