// The journal: append-only, gap-free, hash-chained (SPEC 6).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto.h"
#include "impl.h"

namespace ledger::detail {

struct JournalRow {
  std::string kind = "transfer";
  std::int64_t debit_id = 0, credit_id = 0;
  std::string debit_code, credit_code;
  std::int64_t amount_minor = 0;
  std::string currency, memo, principal, key;
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> ref_seq;
  // The clock guard: how far the system clock was behind the previous row's time (the row
  // keeps that time instead); 0 when the clock did not go back.
  std::int64_t clock_behind_ms = 0;
};

// The hash-chain link: SHA-256(prev_hash || canonical(row with its sequence)).
Digest chain_hash(const Digest& prev_hash, std::int64_t sequence, const JournalRow& row);
const Digest& genesis_hash();
// A stored hash column as a Digest (all zero if it is not 32 bytes long).
Digest digest_from_blob(const SQLite::Column& column);

// The last journal row (sequence, hash, time), read once per write transaction.
const JournalTail& journal_tail(Impl& impl);

// The time for a write transaction: the system clock, but never earlier than the last
// journal row's time (SPEC 10: journal time never goes backwards). How far the clock was
// behind is kept in impl.cache.clock_behind_ms, and recorded in the rows appended.
std::int64_t clock_guarded_now(Impl& impl);

// Appends `row` as the next gap-free sequence number inside the write transaction;
// returns that number.
std::int64_t append_journal(Impl& impl, const JournalRow& row);
std::vector<JournalEntry> read_journal(Db& db, std::int64_t since, std::int64_t limit);

}  // namespace ledger::detail
