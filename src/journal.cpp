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
  kRowPrincipal, kRowKey, kRowCreatedAt, kRowRefSeq, kRowClockBehind,
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
  // Only rows written after a clock jump carry the field, so every earlier row keeps the
  // hash it was written with.
  if (row.clock_behind_ms != 0) canonical.integer(kRowClockBehind, row.clock_behind_ms);
  return sha256(as_bytes(prev_hash), canonical.bytes());
}

const JournalTail& journal_tail(Impl& impl) {
  auto& tail = impl.cache.journal_tail;
  if (!tail) {
    auto& last =
        impl.db.statement("SELECT seq, hash, created_at FROM journal ORDER BY seq DESC LIMIT 1");
    tail.emplace();
    tail->hash = genesis_hash();
    if (last.executeStep()) {
      tail->sequence = last.getColumn(0).getInt64();
      tail->hash = digest_from_blob(last.getColumn(1));
      tail->created_at_ms = last.getColumn(2).getInt64();
    }
    last.tryReset();
  }
  return *tail;
}

std::int64_t clock_guarded_now(Impl& impl) {
  const std::int64_t clock = impl.now_ms();
  const std::int64_t last = journal_tail(impl).created_at_ms;
  impl.cache.clock_behind_ms = clock < last ? last - clock : 0;
  return clock < last ? last : clock;
}

std::int64_t append_journal(Impl& impl, const JournalRow& row_in) {
  Db& db = impl.db;
  journal_tail(impl);
  auto& tail = impl.cache.journal_tail;
  // Every row of a write transaction has its time; a caller that took none (a test) still
  // never writes an earlier one.
  const JournalRow* row_ptr = &row_in;
  JournalRow guarded;
  if (row_in.created_at_ms < tail->created_at_ms || impl.cache.clock_behind_ms != 0) {
    guarded = row_in;
    if (guarded.created_at_ms < tail->created_at_ms) {
      guarded.clock_behind_ms = tail->created_at_ms - guarded.created_at_ms;
      guarded.created_at_ms = tail->created_at_ms;
    } else {
      guarded.clock_behind_ms = impl.cache.clock_behind_ms;
    }
    row_ptr = &guarded;
  }
  const JournalRow& row = *row_ptr;
  const std::int64_t sequence = tail->sequence + 1;
  const Digest& prev = tail->hash;
  Digest hash = chain_hash(prev, sequence, row);
  auto& insert = db.statement(
      "INSERT INTO journal (seq, kind, debit_account, credit_account, amount, currency, memo, "
      "principal, idem_key, created_at, ref_seq, hash, clock_behind_ms) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
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
  insert.bind(13, row.clock_behind_ms);
  insert.exec();
  tail->sequence = sequence;
  tail->hash = hash;
  tail->created_at_ms = row.created_at_ms;
  return sequence;
}

std::vector<JournalEntry> read_journal(Db& db, std::int64_t since, std::int64_t limit) {
  if (since < 1) since = 1;
  check_limit(limit);
  // The row before `since` supplies the first prev_hash.
  auto& query = db.statement(
      "SELECT j.seq, j.kind, d.code, c.code, j.amount, j.currency, d.exponent, j.memo, "
      "j.principal, j.idem_key, j.created_at, j.hash, j.ref_seq, j.clock_behind_ms FROM journal j "
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
    entry.clock_behind_ms = query.getColumn(13).getInt64();
    entry.prev_hash_hex = prev_hex;
    entry.hash_hex = to_hex(as_bytes(hash));
    prev_hex = entry.hash_hex;
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace ledger::detail
