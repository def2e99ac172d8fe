#include "edge_snapshot.h"

#include <fmt/format.h>

#include "central_error.h"
#include "crypto.h"

namespace ledger::central {
namespace {

std::string blob(const SQLite::Column& column) {
  return {static_cast<const char*>(column.getBlob()), static_cast<std::size_t>(column.getBytes())};
}

}  // namespace

CentralError edge_read_failure(const std::string& path, const SQLite::Exception& error) {
  return CentralError(FailureKind::transient,
                      fmt::format("reading the ledger {} failed: {}; nothing was pushed beyond "
                                  "what was committed; run the command again",
                                  path, error.what()));
}

EdgeSnapshot::EdgeSnapshot(const std::string& path) : db_(path, SQLite::OPEN_READONLY) {
  db_.setBusyTimeout(5000);
  db_.exec("BEGIN");
  SQLite::Statement id(db_, "SELECT value FROM meta WHERE name = 'ledger_id'");
  if (id.executeStep()) ledger_id_ = id.getColumn(0).getString();
  if (ledger_id_.empty()) {
    throw CentralError(FailureKind::integrity,
                       fmt::format("{} has no ledger id (file format older than 6); run "
                                   "`ledgerctl --db {} upgrade` first",
                                   path, path));
  }
  SQLite::Statement last(db_, "SELECT coalesce(max(seq), 0) FROM journal");
  last.executeStep();
  last_seq_ = last.getColumn(0).getInt64();
}

std::string EdgeSnapshot::hash_at(std::int64_t seq) {
  if (seq == 0) return std::string(detail::as_bytes(detail::genesis_hash()));
  SQLite::Statement query(db_, "SELECT hash FROM journal WHERE seq = ?");
  query.bind(1, static_cast<int64_t>(seq));
  if (!query.executeStep()) return {};
  return blob(query.getColumn(0));
}

std::vector<EdgeRow> EdgeSnapshot::rows(std::int64_t after, std::int64_t until) {
  SQLite::Statement query(
      db_,
      "SELECT j.seq, j.kind, d.code, c.code, j.amount, j.currency, j.memo, j.principal, "
      "j.idem_key, j.created_at, j.ref_seq, j.clock_behind_ms, j.hash FROM journal j "
      "JOIN accounts d ON d.id = j.debit_account JOIN accounts c ON c.id = j.credit_account "
      "WHERE j.seq > ? AND j.seq <= ? ORDER BY j.seq");
  query.bind(1, static_cast<int64_t>(after));
  query.bind(2, static_cast<int64_t>(until));
  std::vector<EdgeRow> out;
  out.reserve(static_cast<std::size_t>(std::max<std::int64_t>(0, until - after)));
  while (query.executeStep()) {
    EdgeRow& edge = out.emplace_back();
    edge.seq = query.getColumn(0).getInt64();
    detail::JournalRow& row = edge.row;
    row.kind = query.getColumn(1).getString();
    row.debit_code = query.getColumn(2).getString();
    row.credit_code = query.getColumn(3).getString();
    row.amount_minor = query.getColumn(4).getInt64();
    row.currency = query.getColumn(5).getString();
    row.memo = query.getColumn(6).getString();
    row.principal = query.getColumn(7).getString();
    row.key = query.getColumn(8).getString();
    row.created_at_ms = query.getColumn(9).getInt64();
    if (!query.getColumn(10).isNull()) row.ref_seq = query.getColumn(10).getInt64();
    row.clock_behind_ms = query.getColumn(11).getInt64();
    edge.hash = blob(query.getColumn(12));
  }
  return out;
}

std::vector<EdgeAccount> EdgeSnapshot::accounts() {
  SQLite::Statement query(db_, "SELECT code, currency, exponent, name FROM accounts ORDER BY id");
  std::vector<EdgeAccount> out;
  while (query.executeStep()) {
    out.push_back({query.getColumn(0).getString(), query.getColumn(1).getString(),
                   query.getColumn(3).getString(), query.getColumn(2).getInt()});
  }
  return out;
}

std::vector<EdgeClosing> EdgeSnapshot::closings() {
  SQLite::Statement query(db_,
                          "SELECT number, until_ms, first_seq, last_seq, created_at, document, "
                          "hash, signature, key_fingerprint FROM closings ORDER BY number");
  std::vector<EdgeClosing> out;
  while (query.executeStep()) {
    EdgeClosing& closing = out.emplace_back();
    closing.number = query.getColumn(0).getInt64();
    closing.until_ms = query.getColumn(1).getInt64();
    closing.first_seq = query.getColumn(2).getInt64();
    closing.last_seq = query.getColumn(3).getInt64();
    closing.created_at_ms = query.getColumn(4).getInt64();
    closing.document = query.getColumn(5).getString();
    closing.hash = blob(query.getColumn(6));
    closing.signature = blob(query.getColumn(7));
    closing.key_fingerprint = blob(query.getColumn(8));
  }
  return out;
}

std::vector<EdgeChainHead> EdgeSnapshot::chain_heads() {
  std::vector<EdgeChainHead> out;
  SQLite::Statement outcomes(db_, "SELECT seq, hash FROM chain_heads WHERE chain = 'outcomes'");
  if (outcomes.executeStep()) {
    out.push_back({"outcomes", outcomes.getColumn(0).getInt64(), blob(outcomes.getColumn(1))});
  }
  SQLite::Statement events(db_, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
  if (events.executeStep()) {
    out.push_back({"events", events.getColumn(0).getInt64(), blob(events.getColumn(1))});
  }
  return out;
}

}  // namespace ledger::central
