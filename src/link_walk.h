// Walking a hash chain (journal, outcomes, events) in order: each stored link recomputed
// from the previous stored one. Shared by verify (from the ledger file) and audit verify
// (from an archive), so both report a break and a gap alike.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "crypto.h"

namespace ledger::detail {

struct ChainNames {
  const char* where;       // "journal" -> "journal seq 7"
  const char* gap_kind;    // e.g. "sequence_gap"
  const char* break_kind;  // e.g. "hash_chain"
  const char* noun;        // "row", "outcome", "event"
};

inline constexpr ChainNames kJournalChain{"journal", "sequence_gap", "hash_chain", "row"};
inline constexpr ChainNames kOutcomeChain{"outcome", "outcome_gap", "outcome_chain", "outcome"};
inline constexpr ChainNames kEventChain{"event", "event_gap", "event_chain", "event"};

// Positions 1, 2, 3, ...: reports every gap, and the first position where a stored hash
// differs from the one recomputed from the previous stored hash (later links chain from
// the stored hashes, so one edit is reported once).
class LinkWalk {
 public:
  LinkWalk(const ChainNames& names, const Digest& genesis) : names_(names), prev_(genesis) {}
  [[nodiscard]] const Digest& prev() const { return prev_; }
  [[nodiscard]] std::int64_t last() const { return last_; }

  template <typename Report>
  void step(std::int64_t seq, const Digest& recomputed, const Digest& stored, Report&& report) {
    const std::string where = fmt::format("{} seq {}", names_.where, seq);
    if (seq != expected_) {
      report(names_.gap_kind, where,
             fmt::format("expected {} seq {}, found {}: a link was removed", names_.where,
                         expected_, seq));
    }
    if (!broken_ && recomputed != stored) {
      broken_ = true;
      report(names_.break_kind, where,
             fmt::format("the stored hash does not match SHA-256(previous hash || {}): this {} "
                         "or one before it was altered",
                         names_.noun, names_.noun));
    }
    expected_ = seq + 1;
    prev_ = stored;
    last_ = seq;
  }

 private:
  ChainNames names_;
  Digest prev_;
  std::int64_t expected_ = 1;
  std::int64_t last_ = 0;
  bool broken_ = false;
};

}  // namespace ledger::detail
