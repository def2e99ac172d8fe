#include "events.h"

#include <nlohmann/json.hpp>

#include "accounts.h"
#include "canonical.h"
#include "journal.h"
#include "json_text.h"

namespace ledger::detail {
namespace {

constexpr std::string_view kEventHeader{"ledger.event.v1\n"};

enum EventField : std::uint8_t {
  kEventSequence = 1, kEventKind, kEventSubject, kEventDetail, kEventJournalSeq, kEventCreatedAt,
};

}  // namespace

const Digest& event_genesis_hash() {
  static const Digest genesis = sha256("ledger.events.genesis.v1");
  return genesis;
}

Digest event_link_hash(const Digest& prev, std::int64_t sequence, const Event& event) {
  CanonicalWriter canonical(kEventHeader);
  canonical.integer(kEventSequence, sequence)
      .text(kEventKind, event.kind)
      .text(kEventSubject, event.subject)
      .text(kEventDetail, event.detail)
      .integer(kEventJournalSeq, event.journal_seq)
      .integer(kEventCreatedAt, event.created_at_ms);
  return sha256(as_bytes(prev), canonical.bytes());
}

ChainPosition event_chain_head(Db& db) {
  auto& last = db.statement("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
  ChainPosition head{0, event_genesis_hash()};
  if (last.executeStep()) {
    head.sequence = last.getColumn(0).getInt64();
    head.hash = digest_from_blob(last.getColumn(1));
  }
  last.tryReset();
  return head;
}

std::int64_t append_event_row(Db& db, const Event& event) {
  const ChainPosition head = event_chain_head(db);
  const std::int64_t sequence = head.sequence + 1;
  const Digest hash = event_link_hash(head.hash, sequence, event);
  auto& insert = db.statement(
      "INSERT INTO events (seq, kind, subject, detail, journal_seq, created_at, hash) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, sequence);
  insert.bind(2, event.kind);
  insert.bind(3, event.subject);
  insert.bind(4, event.detail);
  insert.bind(5, event.journal_seq);
  insert.bind(6, event.created_at_ms);
  insert.bindNoCopy(7, hash.data(), static_cast<int>(hash.size()));
  insert.exec();
  return sequence;
}

std::int64_t append_event(Impl& impl, Event event) {
  // Read, not taken from the write cache: account creation writes outside a WriteScope.
  auto& last = impl.db.statement("SELECT COALESCE(max(seq), 0) FROM journal");
  last.executeStep();
  event.journal_seq = last.getColumn(0).getInt64();
  last.tryReset();
  return append_event_row(impl.db, event);
}

std::string account_event_detail(const Account& account) {
  const nlohmann::json detail = {{"currency", account.currency},
                                 {"exponent", account.exponent},
                                 {"name", account.name},
                                 {"overdraft", to_string(account.overdraft)},
                                 {"overdraft_limit_minor", account.overdraft_limit_minor}};
  return json_text(detail);
}

std::string hold_expired_detail(const std::string& account_code, std::int64_t amount_minor) {
  const nlohmann::json detail = {{"account", account_code}, {"amount_minor", amount_minor}};
  return json_text(detail);
}

}  // namespace ledger::detail
