// The journal: append-only, gap-free, hash-chained (SPEC 6).
#include "journal.h"

#include <fmt/format.h>

#include <cstring>

#include "canonical.h"
#include "validate.h"

namespace ledger::detail {
namespace {

constexpr std::string_view kJournalRowHeader{"ledger.journal.row.v1\n"};

enum RowField : std::uint8_t {
  kRowSequence = 1, kRowKind, kRowDebit, kRowCredit, kRowAmount, kRowCurrency, kRowMemo,
  kRowPrincipal, kRowKey, kRowCreatedAt, kRowRefSeq,
};

}  // namespace

Digest digest_from_blob(const SQLite::Column& column) {
  Digest digest{};
  if (column.getBytes() == static_cast<int>(digest.size())) {
    std::memcpy(digest.data(), column.getBlob(), digest.size());
  }
  return digest;
}

const Digest& genesis_hash() {
  static const Digest genesis = sha256("ledger.journal.genesis.v1");
  return genesis;
}

Digest chain_hash(const Digest& prev_hash, std::int64_t sequence, const JournalRow& row) {
  CanonicalWriter canonical(kJournalRowHeader);
  canonical.integer(kRowSequence, sequence)
      .text(kRowKind, row.kind)
      .text(kRowDebit, row.debit_code)
      .text(kRowCredit, row.credit_code)
      .integer(kRowAmount, row.amount_minor)
      .text(kRowCurrency, row.currency)
      .text(kRowMemo, row.memo)
      .text(kRowPrincipal, row.principal)
      .text(kRowKey, row.key)
      .integer(kRowCreatedAt, row.created_at_ms)
      .integer(kRowRefSeq, row.ref_seq.value_or(0));
  return sha256(as_bytes(prev_hash), canonical.bytes());
}

std::int64_t append_journal(Impl& impl, const JournalRow& row) {
  Db& db = impl.db;
  auto& tail = impl.cache.journal_tail;
  if (!tail) {
    auto& last = db.statement("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1");
    tail.emplace();
    tail->hash = genesis_hash();
    if (last.executeStep()) {
      tail->sequence = last.getColumn(0).getInt64();
      tail->hash = digest_from_blob(last.getColumn(1));
    }
    last.tryReset();
  }
  const std::int64_t sequence = tail->sequence + 1;
  const Digest& prev = tail->hash;
  Digest hash = chain_hash(prev, sequence, row);
  auto& insert = db.statement(
      "INSERT INTO journal (seq, kind, debit_account, credit_account, amount, currency, memo, "
      "principal, idem_key, created_at, ref_seq, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, sequence);
  insert.bindNoCopy(2, row.kind);
  insert.bind(3, row.debit_id);
  insert.bind(4, row.credit_id);
  insert.bind(5, row.amount_minor);
  insert.bindNoCopy(6, row.currency);
  insert.bindNoCopy(7, row.memo);
  insert.bindNoCopy(8, row.principal);
  insert.bindNoCopy(9, row.key);
  insert.bind(10, row.created_at_ms);
  if (row.ref_seq) insert.bind(11, *row.ref_seq);
  insert.bindNoCopy(12, hash.data(), static_cast<int>(hash.size()));
  insert.exec();
  tail->sequence = sequence;
  tail->hash = hash;
  return sequence;
}

std::vector<JournalEntry> read_journal(Db& db, std::int64_t since, std::int64_t limit) {
  if (since < 1) since = 1;
  check_limit(limit);
  // The row before `since` supplies the first prev_hash.
  auto& query = db.statement(
      "SELECT j.seq, j.kind, d.code, c.code, j.amount, j.currency, d.exponent, j.memo, "
      "j.principal, j.idem_key, j.created_at, j.hash, j.ref_seq FROM journal j "
      "JOIN accounts d ON d.id = j.debit_account JOIN accounts c ON c.id = j.credit_account "
      "WHERE j.seq >= ? ORDER BY j.seq LIMIT ?");
  query.bind(1, since - 1);
  query.bind(2, limit == INT64_MAX ? limit : limit + 1);
  std::vector<JournalEntry> entries;
  std::string prev_hex = since == 1 ? to_hex(as_bytes(genesis_hash())) : "";
  while (query.executeStep()) {
    JournalEntry entry;
    entry.sequence = query.getColumn(0).getInt64();
    auto hash = digest_from_blob(query.getColumn(11));
    if (entry.sequence < since) {
      prev_hex = to_hex(as_bytes(hash));
      continue;
    }
    if (static_cast<std::int64_t>(entries.size()) >= limit) break;
    entry.kind = query.getColumn(1).getString();
    entry.debit_account = query.getColumn(2).getString();
    entry.credit_account = query.getColumn(3).getString();
    entry.amount_minor = query.getColumn(4).getInt64();
    entry.currency = query.getColumn(5).getString();
    entry.exponent = query.getColumn(6).getInt();
    entry.memo = query.getColumn(7).getString();
    entry.principal = query.getColumn(8).getString();
    entry.key = query.getColumn(9).getString();
    entry.created_at_ms = query.getColumn(10).getInt64();
    if (!query.getColumn(12).isNull()) entry.ref_sequence = query.getColumn(12).getInt64();
    entry.prev_hash_hex = prev_hex;
    entry.hash_hex = to_hex(as_bytes(hash));
    prev_hex = entry.hash_hex;
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace ledger::detail
