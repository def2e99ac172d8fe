// Idempotency keys: issuing, lookup (always scoped by principal), storing outcomes,
// listing and purging into tombstones.
#include "key_store.h"

#include <fmt/format.h>

#include <cstring>

#include "failpoint.h"
#include "clock.h"
#include "key_encoding.h"
#include "outcome_chain.h"
#include "validate.h"

namespace ledger::detail {
namespace {

constexpr const char* kSelectKeyRecord =
    "SELECT principal, idem_key, operation, issued, state, result, response, transfer_seq, "
    "created_at, expires_at, completed_at FROM idempotency_keys";

std::optional<std::int64_t> optional_int(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return column.getInt64();
}

KeyState effective_state(const std::string& stored, std::optional<std::int64_t> expires_at_ms,
                         std::int64_t now_ms) {
  if (stored == "completed") return KeyState::completed;
  if (stored == "expired") return KeyState::expired;
  if (expires_at_ms && *expires_at_ms <= now_ms) return KeyState::expired;
  return KeyState::issued;
}

KeyRecord read_key_record(Statement& row, std::int64_t now_ms) {
  KeyRecord record;
  record.principal = row.getColumn(0).getString();
  record.key = key_from_column(row.getColumn(1));
  record.operation = row.getColumn(2).getString();
  record.issued = row.getColumn(3).getInt() != 0;
  record.result = row.getColumn(5).getString();
  record.response = row.getColumn(6).getString();
  record.transfer_sequence = optional_int(row.getColumn(7));
  record.created_at_ms = row.getColumn(8).getInt64();
  record.expires_at_ms = optional_int(row.getColumn(9));
  record.completed_at_ms = optional_int(row.getColumn(10));
  record.state = effective_state(row.getColumn(4).getString(), record.expires_at_ms, now_ms);
  return record;
}

const char* state_name(KeyState state) {
  switch (state) {
    case KeyState::issued: return "issued";
    case KeyState::completed: return "completed";
    case KeyState::expired: return "expired";
  }
  return "issued";
}

// Binds (principal, key) as parameters 1 and 2 and steps: true if the key's row was found.
// `scratch` holds the key's stored bytes until the statement is reset.
bool step_key_row(Statement& query, const std::string& principal, const std::string& key,
                  std::optional<CompactKey>& scratch) {
  bind_text(query, 1, principal);
  bind_key(query, 2, key, scratch);
  return query.executeStep();
}

}  // namespace

std::optional<StoredKey> load_key(Db& db, const std::string& principal, const std::string& key) {
  auto& query = db.statement(
      "SELECT operation, issued, state, request, fingerprint, result, response, transfer_seq, "
      "expires_at FROM idempotency_keys WHERE principal = ? AND idem_key = ?");
  std::optional<CompactKey> stored_key;
  if (!step_key_row(query, principal, key, stored_key)) return std::nullopt;
  StoredKey stored;
  stored.operation = query.getColumn(0).getString();
  stored.issued = query.getColumn(1).getInt() != 0;
  stored.state = query.getColumn(2).getString();
  if (!query.getColumn(3).isNull()) stored.request = query.getColumn(3).getString();
  stored.fingerprint = query.getColumn(4).getString();
  stored.result = query.getColumn(5).getString();
  stored.response = query.getColumn(6).getString();
  stored.transfer_seq = optional_int(query.getColumn(7));
  stored.expires_at_ms = optional_int(query.getColumn(8));
  return stored;
}

std::optional<CompletedKey> find_completed_key(Db& db, const std::string& principal,
                                              const std::string& key,
                                              std::string_view fingerprint) {
  auto& query = db.statement(kReplayQuery);
  std::optional<CompactKey> stored_key;
  bind_blob(query, 3, fingerprint);
  if (!step_key_row(query, principal, key, stored_key)) return std::nullopt;
  const SQLite::Column response = query.getColumn(0);
  if (response.isNull()) return std::nullopt;  // not ours: the locked path reports it
  CompletedKey completed;
  completed.response = response.getString();
  const SQLite::Column outcome = query.getColumn(1);
  if (outcome.isInteger()) {
    completed.transfer_seq = outcome.getInt64();
    completed.result = "created";
  } else {
    completed.result = outcome.getString();
  }
  return completed;
}

void store_key_outcome(Impl& impl, const KeyOutcome& outcome) {
  Db& db = impl.db;
  const ChainPosition link = append_outcome(
      impl, OutcomeLink{outcome.principal, outcome.key, outcome.operation, outcome.transfer_seq,
                        outcome.now_ms,
                        outcome_digest(outcome.fingerprint, outcome.result, outcome.response)});
  auto& statement =
      outcome.existing_issued
          ? db.statement(
                "UPDATE idempotency_keys SET request = ?1, fingerprint = ?2, result = ?3, "
                "response = ?4, transfer_seq = ?5, completed_at = ?6, state = 'completed', "
                "outcome_seq = ?10, outcome_hash = ?11 "
                "WHERE principal = ?7 AND idem_key = ?8 AND state = 'issued'")
          : db.statement(
                "INSERT INTO idempotency_keys (request, fingerprint, result, response, "
                "transfer_seq, completed_at, principal, idem_key, operation, issued, state, "
                "created_at, outcome_seq, outcome_hash) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, 'completed', ?6, ?10, ?11)");
  if (outcome.request) bind_blob(statement, 1, *outcome.request);
  bind_blob(statement, 2, outcome.fingerprint);
  bind_text(statement, 3, outcome.result);
  bind_text(statement, 4, outcome.response);
  if (outcome.transfer_seq) statement.bind(5, *outcome.transfer_seq);
  statement.bind(6, outcome.now_ms);
  std::optional<CompactKey> stored_key;
  bind_text(statement, 7, outcome.principal);
  bind_key(statement, 8, outcome.key, stored_key);
  if (!outcome.existing_issued) bind_text(statement, 9, outcome.operation);
  statement.bind(10, link.sequence);
  statement.bindNoCopy(11, link.hash.data(), static_cast<int>(link.hash.size()));
  if (statement.exec() != 1) {
    throw Error(ErrorCode::internal, "idempotency key row changed inside the write transaction");
  }
}

KeyRecord issue_key(Impl& impl, const std::string& principal, const std::string& operation,
                    std::optional<std::int64_t> ttl_seconds) {
  if (auto problem = check_principal(principal)) throw Error(ErrorCode::invalid_argument, *problem);
  if (auto problem = check_operation(operation)) throw Error(ErrorCode::invalid_argument, *problem);
  std::int64_t ttl = ttl_seconds.value_or(impl.options.key_ttl_seconds);
  constexpr std::int64_t kMaxTtlSeconds = 10LL * 366 * 24 * 3600;
  if (ttl <= 0 || ttl > kMaxTtlSeconds) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("key TTL must be 1 to {} seconds, got {}", kMaxTtlSeconds, ttl));
  }
  std::int64_t now = impl.now_ms();
  // Time-ordered prefix (like UUIDv7) for readable listings, then 128 random bits that make
  // the key unguessable.
  std::string key = fmt::format("{:012x}-{}", now, to_hex(random_bytes(16)));
  Transaction transaction(impl.db);
  auto& insert = impl.db.statement(
      "INSERT INTO idempotency_keys (principal, idem_key, operation, issued, state, created_at, "
      "expires_at) VALUES (?, ?, ?, 1, 'issued', ?, ?)");
  std::optional<CompactKey> stored_key;
  insert.bind(1, principal);
  bind_key(insert, 2, key, stored_key);
  insert.bind(3, operation);
  insert.bind(4, now);
  insert.bind(5, ms_after(now, ttl));
  insert.exec();
  transaction.commit();
  return *find_key(impl, principal, key);
}

std::optional<KeyRecord> find_key(Impl& impl, const std::string& principal,
                                  const std::string& key) {
  static const std::string sql = std::string(kSelectKeyRecord) +
                                 " WHERE principal = ? AND idem_key = ?";
  auto& query = impl.db.statement(sql.c_str());
  std::optional<CompactKey> stored_key;
  if (!step_key_row(query, principal, key, stored_key)) return std::nullopt;
  return read_key_record(query, impl.now_ms());
}

std::vector<KeyRecord> list_keys(Impl& impl, const KeyFilter& filter) {
  check_limit(filter.limit);
  // One static statement; absent filters are bound as NULL and match everything.
  static const std::string sql =
      std::string(kSelectKeyRecord) +
      " WHERE (?1 IS NULL OR principal = ?1) AND (?2 IS NULL OR CASE"
      " WHEN state = 'issued' AND expires_at <= ?3 THEN 'expired' ELSE state END = ?2)"
      " ORDER BY created_at, principal, idem_key LIMIT ?4";
  auto& query = impl.db.statement(sql.c_str());
  if (filter.principal) query.bind(1, *filter.principal);
  if (filter.state) query.bind(2, state_name(*filter.state));
  query.bind(3, impl.now_ms());
  query.bind(4, filter.limit);
  std::vector<KeyRecord> keys;
  while (query.executeStep()) keys.push_back(read_key_record(query, impl.now_ms()));
  return keys;
}

PurgeReport purge_keys(Impl& impl, std::optional<std::int64_t> older_than_seconds) {
  std::int64_t retention = older_than_seconds.value_or(impl.options.rejection_retention_seconds);
  if (retention < 0) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{} must be 0 or more seconds, got {}",
                            older_than_seconds ? "purge_keys' older_than_seconds"
                                               : "Options::rejection_retention_seconds",
                            retention));
  }
  std::int64_t now = impl.now_ms();
  PurgeReport report;
  Transaction transaction(impl.db);
  // A tombstone keeps (principal, key) and drops the stored request and response, so the
  // key is refused forever. Keys with a transfer_seq moved money and are never touched.
  auto& expire_issued = impl.db.statement(
      "UPDATE idempotency_keys SET state = 'expired' "
      "WHERE state = 'issued' AND expires_at <= ? AND transfer_seq IS NULL");
  expire_issued.bind(1, now);
  report.expired_issued_keys = expire_issued.exec();
  LEDGER_FAILPOINT("purge.after_update");
  // A tombstone keeps the digest of what it drops, so its link in the outcome chain can
  // still be recomputed (outcome_chain.h). Closings are outcomes too, kept like transfers.
  auto& due = impl.db.statement(
      "SELECT id, fingerprint, result, response FROM idempotency_keys WHERE state = 'completed' "
      "AND transfer_seq IS NULL AND completed_at <= ? AND operation <> 'close'");
  due.bind(1, ms_before(now, retention));
  std::vector<std::pair<std::int64_t, Digest>> tombstones;
  while (due.executeStep()) {
    tombstones.emplace_back(due.getColumn(0).getInt64(),
                            outcome_digest(column_bytes(due.getColumn(1)), due.getColumn(2).getString(),
                                           column_bytes(due.getColumn(3))));
  }
  due.tryReset();
  auto& purge_rejection = impl.db.statement(
      "UPDATE idempotency_keys SET state = 'expired', request = NULL, fingerprint = NULL, "
      "response = NULL, outcome_digest = ? WHERE id = ?");
  for (const auto& [id, digest] : tombstones) {
    purge_rejection.bindNoCopy(1, digest.data(), static_cast<int>(digest.size()));
    purge_rejection.bind(2, id);
    purge_rejection.exec();
    purge_rejection.tryReset();
  }
  report.purged_rejections = static_cast<std::int64_t>(tombstones.size());
  LEDGER_FAILPOINT("purge.before_commit");
  transaction.commit();
  return report;
}

}  // namespace ledger::detail
