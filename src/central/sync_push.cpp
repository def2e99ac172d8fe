#include "sync_push.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "central_error.h"
#include "central_schema.h"
#include "crypto.h"
#include "edge_snapshot.h"
#include "journal_copy.h"
#include "pg_connection.h"

namespace ledger::central {
namespace {

using detail::to_hex;

constexpr const char* kDefaultStore = "default";

struct CentralHead {
  std::int64_t seq = 0;
  std::string hash;
};

CentralHead lock_head(PgConnection& pg, const std::string& ledger_id) {
  const PgResult head = pg.exec(
      "SELECT head_seq, head_hash FROM ledger_hq.ledgers WHERE ledger_id = $1 FOR UPDATE",
      {ledger_id});
  if (head.rows() != 1) {
    throw CentralError(FailureKind::integrity,
                       fmt::format("ledger {} vanished from ledger_hq.ledgers during the push; "
                                   "run the push again",
                                   ledger_id));
  }
  return {head.integer(0, 0), head.bytes(0, 1)};
}

std::string register_ledger(PgConnection& pg, const std::string& ledger_id,
                            const std::string& store_asked) {
  pg.exec(
      "INSERT INTO ledger_hq.ledgers (ledger_id, store, head_seq, head_hash) "
      "VALUES ($1, $2, 0, $3) ON CONFLICT (ledger_id) DO NOTHING",
      {ledger_id, store_asked.empty() ? kDefaultStore : store_asked,
       bytea_param(detail::as_bytes(detail::genesis_hash()))});
  const PgResult row =
      pg.exec("SELECT store FROM ledger_hq.ledgers WHERE ledger_id = $1", {ledger_id});
  const std::string store(row.text(0, 0));
  if (!store_asked.empty() && store != store_asked) {
    throw CentralError(FailureKind::usage,
                       fmt::format("ledger {} belongs to store {:?} at head office, not {:?}; "
                                   "push without --store, or with --store {:?} (moving a till to "
                                   "another store is done in ledger_hq.ledgers by head office)",
                                   ledger_id, store, store_asked, store));
  }
  return store;
}

void push_accounts(EdgeSnapshot& edge, PgConnection& pg, const std::string& ledger_id) {
  const std::vector<EdgeAccount> accounts = edge.accounts();
  const PgResult known =
      pg.exec("SELECT count(*) FROM ledger_hq.accounts WHERE ledger_id = $1", {ledger_id});
  if (known.integer(0, 0) == static_cast<std::int64_t>(accounts.size())) return;
  PgTransaction transaction(pg);
  for (const EdgeAccount& account : accounts) {
    pg.exec(
        "INSERT INTO ledger_hq.accounts (ledger_id, code, currency, exponent, name) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ledger_id, code) DO NOTHING",
        {ledger_id, account.code, account.currency, std::to_string(account.exponent),
         account.name});
  }
  transaction.commit();
}

// Where the central copy and the edge disagree. Thrown inside a push transaction, so that
// the transaction rolls back before the fork is recorded in a statement of its own.
struct Fork {
  std::string what;
  std::int64_t position = 0;
  std::string central_hash, edge_hash;  // raw bytes, empty when there is none
  std::string explanation;
};

[[noreturn]] void record_fork(PgConnection& pg, const std::string& ledger_id, const Fork& fork) {
  auto hash_param = [](const std::string& hash) -> PgParam {
    if (hash.empty()) return std::nullopt;
    return bytea_param(hash);
  };
  pg.exec(
      "INSERT INTO ledger_hq.forks (ledger_id, what, position, central_hash, edge_hash) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ledger_id, what, position) DO UPDATE SET "
      "last_detected_at = now(), times = ledger_hq.forks.times + 1, "
      "central_hash = EXCLUDED.central_hash, edge_hash = EXCLUDED.edge_hash",
      {ledger_id, fork.what, std::to_string(fork.position), hash_param(fork.central_hash),
       hash_param(fork.edge_hash)});
  throw CentralError(FailureKind::integrity,
                     fmt::format("fork: ledger {} {}; nothing was overwritten and nothing more "
                                 "of this ledger is pushed; the fork is recorded in "
                                 "ledger_hq.forks: find out which copy of the ledger is the "
                                 "real one (two tills sharing one ledger file, or a file "
                                 "restored from an older backup)",
                                 ledger_id, fork.explanation));
}

std::string central_hash_at(PgConnection& pg, const std::string& ledger_id, std::int64_t seq) {
  if (seq == 0) return std::string(detail::as_bytes(detail::genesis_hash()));
  const PgResult row = pg.exec(
      "SELECT hash FROM ledger_hq.journal WHERE ledger_id = $1 AND seq = $2",
      {ledger_id, std::to_string(seq)});
  return row.rows() == 1 ? row.bytes(0, 0) : std::string();
}

// Both are hash chains: where they agree at a row they agree on every row before it. The
// first row where they differ, between `agree` (equal) and `differ` (different).
std::int64_t first_difference(EdgeSnapshot& edge, PgConnection& pg, const std::string& ledger_id,
                              std::int64_t agree, std::int64_t differ) {
  while (differ - agree > 1) {
    const std::int64_t middle = agree + (differ - agree) / 2;
    if (edge.hash_at(middle) == central_hash_at(pg, ledger_id, middle)) {
      agree = middle;
    } else {
      differ = middle;
    }
  }
  return differ;
}

// Throws (after recording it) if the central copy is not a prefix of the edge's journal.
void refuse_unless_prefix(EdgeSnapshot& edge, PgConnection& pg, const std::string& ledger_id,
                          const CentralHead& head) {
  const std::int64_t common = std::min(head.seq, edge.last_seq());
  const std::string edge_hash = edge.hash_at(common);
  const std::string central_hash =
      common == head.seq ? head.hash : central_hash_at(pg, ledger_id, common);
  if (edge_hash != central_hash) {
    const std::int64_t seq = first_difference(edge, pg, ledger_id, 0, common);
    const std::string edge_at = edge.hash_at(seq);
    const std::string central_at = central_hash_at(pg, ledger_id, seq);
    throw Fork{"journal", seq, central_at, edge_at,
               fmt::format("journal row {} differs: head office has hash {}, this ledger {}",
                           seq, to_hex(central_at), to_hex(edge_at))};
  }
  if (head.seq > edge.last_seq()) {
    throw Fork{"behind", edge.last_seq(), head.hash, edge_hash,
               fmt::format("has {} journal rows at head office but only {} here: this file is "
                           "behind what it already pushed",
                           head.seq, edge.last_seq())};
  }
}

// One bounded transaction: the next rows after the central head. Returns how many.
std::int64_t push_journal_batch(EdgeSnapshot& edge, PgConnection& pg,
                                const std::string& ledger_id, std::int64_t batch_rows) {
  PgTransaction transaction(pg);
  const CentralHead head = lock_head(pg, ledger_id);
  refuse_unless_prefix(edge, pg, ledger_id, head);
  if (head.seq == edge.last_seq()) return 0;
  const std::int64_t last = std::min(edge.last_seq(), head.seq + batch_rows);
  const std::vector<EdgeRow> rows = edge.rows(head.seq, last);
  pg.copy_in(kJournalCopy, journal_copy_text(ledger_id, rows, head.hash));
  pg.exec("SELECT ledger_hq.accept_rows($1, $2)", {ledger_id, std::to_string(last)});
  transaction.commit();
  return last - head.seq;
}

std::int64_t push_closings(EdgeSnapshot& edge, PgConnection& pg, const std::string& ledger_id) {
  const std::vector<EdgeClosing> closings = edge.closings();
  if (closings.empty()) return 0;
  PgTransaction transaction(pg);
  const CentralHead head = lock_head(pg, ledger_id);
  std::map<std::int64_t, std::string> central;
  const PgResult rows =
      pg.exec("SELECT number, hash FROM ledger_hq.closings WHERE ledger_id = $1", {ledger_id});
  for (int i = 0; i < rows.rows(); ++i) central[rows.integer(i, 0)] = rows.bytes(i, 1);
  std::int64_t pushed = 0;
  for (const EdgeClosing& closing : closings) {
    const auto found = central.find(closing.number);
    if (found != central.end()) {
      if (found->second != closing.hash) {
        throw Fork{"closing", closing.number, found->second, closing.hash,
                   fmt::format("closing {} differs: head office has hash {}, this ledger {}",
                               closing.number, to_hex(found->second), to_hex(closing.hash))};
      }
      continue;
    }
    if (closing.last_seq > head.seq) continue;  // its rows are not at head office yet
    pg.exec(
        "INSERT INTO ledger_hq.closings (ledger_id, number, until_ms, first_seq, last_seq, "
        "document, hash, signature, key_fingerprint, created_at_ms) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        {ledger_id, std::to_string(closing.number), std::to_string(closing.until_ms),
         std::to_string(closing.first_seq), std::to_string(closing.last_seq), closing.document,
         bytea_param(closing.hash), bytea_param(closing.signature),
         bytea_param(closing.key_fingerprint), std::to_string(closing.created_at_ms)});
    ++pushed;
  }
  transaction.commit();
  return pushed;
}

// Before any row moves: the edge's outcome and event chains must not contradict the last
// heads head office recorded (a copy of the file that took other payments shows here
// first, even when those were rejections that wrote no journal row).
void check_recorded_chain_heads(EdgeSnapshot& edge, PgConnection& pg,
                                const std::string& ledger_id) {
  const PgResult recorded = pg.exec(
      "SELECT DISTINCT ON (chain) chain, position, hash FROM ledger_hq.chain_heads "
      "WHERE ledger_id = $1 ORDER BY chain, position DESC",
      {ledger_id});
  const std::vector<EdgeChainHead> heads = edge.chain_heads();
  for (int i = 0; i < recorded.rows(); ++i) {
    const std::string chain(recorded.text(i, 0));
    const std::int64_t position = recorded.integer(i, 1);
    const std::string hash = recorded.bytes(i, 2);
    std::int64_t edge_position = 0;
    std::string edge_hash;
    for (const EdgeChainHead& head : heads) {
      if (head.chain == chain) {
        edge_position = head.position;
        edge_hash = head.hash;
      }
    }
    if (edge_position < position) {
      throw Fork{chain, position, hash, edge_hash,
                 fmt::format("the {} chain reached position {} at head office but only {} here: "
                             "this file is behind what it already pushed",
                             chain, position, edge_position)};
    }
    if (edge_position == position && edge_hash != hash) {
      throw Fork{chain, position, hash, edge_hash,
                 fmt::format("the {} chain differs at position {}", chain, position)};
    }
  }
}

std::int64_t push_chain_heads(EdgeSnapshot& edge, PgConnection& pg, const std::string& ledger_id) {
  std::int64_t recorded = 0;
  for (const EdgeChainHead& chain : edge.chain_heads()) {
    const PgResult inserted = pg.exec(
        "INSERT INTO ledger_hq.chain_heads (ledger_id, chain, position, hash, journal_seq) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ledger_id, chain, position) DO NOTHING "
        "RETURNING 1",
        {ledger_id, chain.chain, std::to_string(chain.position), bytea_param(chain.hash),
         std::to_string(edge.last_seq())});
    if (inserted.rows() == 1) {
      ++recorded;
      continue;
    }
    const PgResult existing = pg.exec(
        "SELECT hash FROM ledger_hq.chain_heads WHERE ledger_id = $1 AND chain = $2 AND "
        "position = $3",
        {ledger_id, chain.chain, std::to_string(chain.position)});
    if (existing.rows() == 1 && existing.bytes(0, 0) != chain.hash) {
      throw Fork{chain.chain, chain.position, existing.bytes(0, 0), chain.hash,
                 fmt::format("the {} chain differs at position {}", chain.chain,
                             chain.position)};
    }
  }
  return recorded;
}

}  // namespace

namespace {

PushReport push_from(EdgeSnapshot& edge, const std::string& conninfo, const PushOptions& options) {
  PgConnection pg(conninfo);
  PushReport report;
  report.ledger_id = edge.ledger_id();
  report.edge_seq = edge.last_seq();
  migrate_central(pg);
  report.store = register_ledger(pg, report.ledger_id, options.store);
  push_accounts(edge, pg, report.ledger_id);
  const PgResult before = pg.exec("SELECT head_seq FROM ledger_hq.ledgers WHERE ledger_id = $1",
                                  {report.ledger_id});
  report.central_seq_before = before.integer(0, 0);
  const std::int64_t batch_rows = std::max<std::int64_t>(1, options.batch_rows);
  try {
    {
      // The journal first (a fork there names the row), then the chains, before any row
      // moves; the batches check the journal again under their own lock.
      PgTransaction check(pg);
      refuse_unless_prefix(edge, pg, report.ledger_id, lock_head(pg, report.ledger_id));
    }
    check_recorded_chain_heads(edge, pg, report.ledger_id);
    while (true) {
      const std::int64_t pushed = push_journal_batch(edge, pg, report.ledger_id, batch_rows);
      if (pushed == 0) break;
      report.pushed_rows += pushed;
      ++report.transactions;
    }
    report.central_seq = report.edge_seq;
    report.closings_pushed = push_closings(edge, pg, report.ledger_id);
    report.chain_heads_recorded = push_chain_heads(edge, pg, report.ledger_id);
  } catch (const Fork& fork) {
    record_fork(pg, report.ledger_id, fork);
  }
  return report;
}

}  // namespace

PushReport push_ledger(const std::string& db_path, const std::string& conninfo,
                       const PushOptions& options) {
  return reading_edge(db_path, [&] {
    EdgeSnapshot edge(db_path);
    return push_from(edge, conninfo, options);
  });
}

}  // namespace ledger::central
