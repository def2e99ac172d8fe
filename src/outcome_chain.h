// The outcome chain (SPEC 10): every stored outcome of a key (a transfer's response, a
// stored rejection, a closing) is a link SHA-256(prev || canonical(outcome)), numbered in
// the order the outcomes were stored. Editing, deleting or rewriting a stored outcome breaks
// the chain at that outcome; only re-chaining every later link hides it, and a signed
// closing names the chain's head.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto.h"
#include "impl.h"

namespace ledger::detail {

// The digest of what a key decided: SHA-256 over its request fingerprint, its result and
// its stored response body. A purged rejection (a tombstone) drops those three and keeps
// this digest (idempotency_keys.outcome_digest), so its link can still be recomputed.
[[nodiscard]] Digest outcome_digest(std::string_view fingerprint, std::string_view result,
                                    std::string_view body);

// What a link covers, as the key's row stores it.
struct OutcomeLink {
  std::string_view principal;
  std::string_view key;  // the key's text
  std::string_view operation;
  std::optional<std::int64_t> transfer_seq;
  std::int64_t completed_at_ms = 0;
  Digest digest{};  // outcome_digest(...)
};

[[nodiscard]] const Digest& outcome_genesis_hash();
[[nodiscard]] Digest outcome_link_hash(const Digest& prev, std::int64_t outcome_seq,
                                       const OutcomeLink& link);

struct ChainPosition {
  std::int64_t sequence = 0;
  Digest hash{};
};

// Inside the write transaction: the next position of the outcome chain for `link`, which
// becomes the chain's tail (the caller stores both on the key's row). The tail is kept in
// the write cache and written to chain_heads by flush_outcome_head, before a commit or a
// savepoint (WriteScope::commit, linked batches), like the cached balances.
ChainPosition append_outcome(Impl& impl, const OutcomeLink& link);
void flush_outcome_head(Impl& impl);

// The head as chain_heads records it ({0, genesis} for an empty chain). Inside a write
// transaction, after flush_outcome_head.
ChainPosition outcome_chain_head(Db& db);
// Records `head` as the outcome chain's (the migration that starts the chain).
void write_outcome_head(Db& db, const ChainPosition& head);

}  // namespace ledger::detail
