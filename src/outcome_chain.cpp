#include "outcome_chain.h"

#include "canonical.h"
#include "journal.h"

namespace ledger::detail {
namespace {

constexpr std::string_view kOutcomeHeader{"ledger.outcome.v1\n"};
constexpr std::string_view kDigestHeader{"ledger.outcome.digest.v1\n"};

enum OutcomeField : std::uint8_t {
  kOutcomeSequence = 1, kOutcomePrincipal, kOutcomeKey, kOutcomeOperation, kOutcomeTransfer,
  kOutcomeCompletedAt, kOutcomeDigest,
};

enum DigestField : std::uint8_t { kDigestFingerprint = 1, kDigestResult, kDigestBody };

}  // namespace

Digest outcome_digest(std::string_view fingerprint, std::string_view result,
                      std::string_view body) {
  CanonicalWriter canonical(kDigestHeader);
  canonical.text(kDigestFingerprint, fingerprint).text(kDigestResult, result).text(kDigestBody, body);
  return sha256(canonical.bytes());
}

const Digest& outcome_genesis_hash() {
  static const Digest genesis = sha256("ledger.outcomes.genesis.v1");
  return genesis;
}

Digest outcome_link_hash(const Digest& prev, std::int64_t outcome_seq, const OutcomeLink& link) {
  CanonicalWriter canonical(kOutcomeHeader);
  canonical.integer(kOutcomeSequence, outcome_seq)
      .text(kOutcomePrincipal, link.principal)
      .text(kOutcomeKey, link.key)
      .text(kOutcomeOperation, link.operation)
      .integer(kOutcomeTransfer, link.transfer_seq.value_or(0))
      .integer(kOutcomeCompletedAt, link.completed_at_ms)
      .text(kOutcomeDigest, as_bytes(link.digest));
  return sha256(as_bytes(prev), canonical.bytes());
}

ChainPosition outcome_chain_head(Db& db) {
  auto& last = db.statement(
      "SELECT outcome_seq, outcome_hash FROM idempotency_keys WHERE outcome_seq IS NOT NULL "
      "ORDER BY outcome_seq DESC LIMIT 1");
  ChainPosition head{0, outcome_genesis_hash()};
  if (last.executeStep()) {
    head.sequence = last.getColumn(0).getInt64();
    head.hash = digest_from_blob(last.getColumn(1));
  }
  last.tryReset();
  return head;
}

ChainPosition append_outcome(Impl& impl, const OutcomeLink& link) {
  auto& tail = impl.cache.outcome_tail;
  if (!tail) {
    ChainPosition head = outcome_chain_head(impl.db);
    tail.emplace(ChainTail{head.sequence, head.hash});
  }
  ChainPosition next{tail->sequence + 1, {}};
  next.hash = outcome_link_hash(tail->hash, next.sequence, link);
  tail->sequence = next.sequence;
  tail->hash = next.hash;
  return next;
}

}  // namespace ledger::detail
