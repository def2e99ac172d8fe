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
  auto& head = db.statement("SELECT seq, hash FROM chain_heads WHERE chain = 'outcomes'");
  ChainPosition position{0, outcome_genesis_hash()};
  if (head.executeStep()) {
    position.sequence = head.getColumn(0).getInt64();
    position.hash = digest_from_blob(head.getColumn(1));
  }
  head.tryReset();
  return position;
}

void write_outcome_head(Db& db, const ChainPosition& head) {
  auto& upsert = db.statement(
      "INSERT INTO chain_heads (chain, seq, hash) VALUES ('outcomes', ?1, ?2) "
      "ON CONFLICT (chain) DO UPDATE SET seq = ?1, hash = ?2");
  upsert.bind(1, head.sequence);
  upsert.bindNoCopy(2, head.hash.data(), static_cast<int>(head.hash.size()));
  upsert.exec();
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
  impl.cache.outcome_tail_unwritten = true;
  return next;
}

void flush_outcome_head(Impl& impl) {
  if (!impl.cache.outcome_tail_unwritten) return;
  write_outcome_head(impl.db, {impl.cache.outcome_tail->sequence, impl.cache.outcome_tail->hash});
  impl.cache.outcome_tail_unwritten = false;
}

}  // namespace ledger::detail
