#include "closings.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "closing_totals.h"
#include "events.h"
#include "failpoint.h"
#include "journal.h"
#include "json_text.h"
#include "ledger_id.h"
#include "ledger/error.h"
#include "outcome_chain.h"
#include "signing.h"

namespace ledger::detail {
namespace {

using json = nlohmann::json;

#define LEDGER_SELECT_CLOSING                                                              \
  "SELECT number, until_ms, first_seq, last_seq, created_at, document, hash, signature, " \
  "key_fingerprint FROM closings"

Closing read_closing(Statement& row) {
  Closing closing;
  closing.number = row.getColumn(0).getInt64();
  closing.until_ms = row.getColumn(1).getInt64();
  closing.first_sequence = row.getColumn(2).getInt64();
  closing.last_sequence = row.getColumn(3).getInt64();
  closing.closed_at_ms = row.getColumn(4).getInt64();
  closing.document = row.getColumn(5).getString();
  closing.hash_hex = to_hex(column_bytes(row.getColumn(6)));
  closing.signature_hex = to_hex(column_bytes(row.getColumn(7)));
  closing.key_fingerprint_hex = to_hex(column_bytes(row.getColumn(8)));
  return closing;
}

json chain_head(std::int64_t sequence, const Digest& hash) {
  return {{"seq", sequence}, {"hash", to_hex(as_bytes(hash))}};
}

// The period's rows [first, last] into `totals`, and the journal's head hash at `last`.
void add_period_rows(Db& db, std::int64_t first, std::int64_t last, ClosingTotals& totals) {
  auto& rows = db.statement(
      "SELECT j.kind, d.code, c.code, j.currency, j.amount FROM journal j "
      "JOIN accounts d ON d.id = j.debit_account JOIN accounts c ON c.id = j.credit_account "
      "WHERE j.seq BETWEEN ? AND ? ORDER BY j.seq");
  rows.bind(1, first);
  rows.bind(2, last);
  while (rows.executeStep()) {
    if (!totals.add(rows.getColumn(0).getString(), rows.getColumn(1).getString(),
                    rows.getColumn(2).getString(), rows.getColumn(3).getString(),
                    rows.getColumn(4).getInt64())) {
      rows.tryReset();
      throw Error(ErrorCode::internal,
                  "a closing total passed the largest amount an account can hold (int64); "
                  "the ledger cannot be closed: report this");
    }
  }
  rows.tryReset();
}

std::int64_t last_row_until(Db& db, std::int64_t first, std::int64_t until_ms) {
  auto& query = db.statement(
      "SELECT COALESCE(max(seq), ?1 - 1) FROM journal WHERE seq >= ?1 AND created_at <= ?2");
  query.bind(1, first);
  query.bind(2, until_ms);
  query.executeStep();
  const std::int64_t last = query.getColumn(0).getInt64();
  query.tryReset();
  return last;
}

Digest journal_hash_at(Db& db, std::int64_t sequence) {
  if (sequence == 0) return genesis_hash();
  auto& query = db.statement("SELECT hash FROM journal WHERE seq = ?");
  query.bind(1, sequence);
  Digest hash{};
  if (query.executeStep()) hash = digest_from_blob(query.getColumn(0));
  query.tryReset();
  return hash;
}

}  // namespace

const Digest& closing_genesis_hash() {
  static const Digest genesis = sha256("ledger.closings.genesis.v1");
  return genesis;
}

std::vector<Closing> list_closings(Db& db) {
  auto& query = db.statement(LEDGER_SELECT_CLOSING " ORDER BY number");
  std::vector<Closing> closings;
  while (query.executeStep()) closings.push_back(read_closing(query));
  return closings;
}

std::optional<Closing> find_closing(Db& db, std::int64_t number) {
  auto& query = db.statement(LEDGER_SELECT_CLOSING " WHERE number = ?");
  query.bind(1, number);
  std::optional<Closing> closing;
  if (query.executeStep()) closing = read_closing(query);
  query.tryReset();
  return closing;
}

std::optional<Closing> last_closing(Db& db) {
  auto& query = db.statement(LEDGER_SELECT_CLOSING " ORDER BY number DESC LIMIT 1");
  std::optional<Closing> closing;
  if (query.executeStep()) closing = read_closing(query);
  query.tryReset();
  return closing;
}

Digest record_signing_key(Impl& impl, const std::string& public_pem, std::int64_t now_ms) {
  const Digest fingerprint = key_fingerprint(public_pem, "the public key");
  auto& known = impl.db.statement("SELECT 1 FROM signing_keys WHERE fingerprint = ?");
  known.bindNoCopy(1, fingerprint.data(), static_cast<int>(fingerprint.size()));
  const bool recorded = known.executeStep();
  known.tryReset();
  if (recorded) return fingerprint;
  auto& insert = impl.db.statement(
      "INSERT INTO signing_keys (fingerprint, public_key, created_at) VALUES (?, ?, ?)");
  insert.bindNoCopy(1, fingerprint.data(), static_cast<int>(fingerprint.size()));
  insert.bind(2, public_pem);
  insert.bind(3, now_ms);
  insert.exec();
  const json detail = {{"public_key", public_pem}};
  append_event(impl, Event{std::string(kEventSigningKeyAdded), to_hex(as_bytes(fingerprint)),
                           json_text(detail), 0, now_ms});
  return fingerprint;
}

Closing write_closing(Impl& impl, const CloseRequest& request,
                      std::optional<std::int64_t> requested_until, std::int64_t now_ms) {
  Db& db = impl.db;
  const std::optional<Closing> previous = last_closing(db);
  const std::int64_t until_ms = requested_until.value_or(
      previous ? std::max(now_ms, previous->until_ms) : now_ms);
  if (requested_until && until_ms > now_ms) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("cannot close up to {} ms, which is in the future (now is {} ms): "
                            "close up to now or an earlier time",
                            until_ms, now_ms));
  }
  if (previous && until_ms < previous->until_ms) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("closing {} already sealed the record up to {} ms; a closed period "
                            "is never reopened: close up to that time or later",
                            previous->number, previous->until_ms));
  }
  const std::string public_pem = public_pem_of(request.signing_key_pem, "the signing key");
  const Digest fingerprint = record_signing_key(impl, public_pem, now_ms);

  json previous_document;
  if (previous) previous_document = json::parse(previous->document, nullptr, false);
  const std::int64_t first = previous ? previous->last_sequence + 1 : 1;
  const std::int64_t last = last_row_until(db, first, until_ms);
  const json* previous_perpetual =
      previous_document.is_object() && previous_document.contains("perpetual")
          ? &previous_document["perpetual"]
          : nullptr;
  ClosingTotals totals(previous_perpetual);
  add_period_rows(db, first, last, totals);

  const JournalTail& journal = journal_tail(impl);
  flush_outcome_head(impl);
  const ChainPosition outcomes = outcome_chain_head(db);
  const ChainPosition events = event_chain_head(db);
  const std::int64_t number = previous ? previous->number + 1 : 1;
  const Digest previous_hash = previous ? sha256(previous->document) : closing_genesis_hash();
  const json document = {
      {"format", kClosingFormat},
      {"ledger_id", read_ledger_id(db)},
      {"number", number},
      {"principal", request.principal},
      {"key", request.key},
      {"closed_at_ms", now_ms},
      {"period",
       {{"from_ms", previous ? json(previous->until_ms) : json(nullptr)},
        {"until_ms", until_ms},
        {"first_seq", first},
        {"last_seq", last},
        {"last_hash", to_hex(as_bytes(journal_hash_at(db, last)))}}},
      {"totals", totals.period_json()},
      {"perpetual", totals.perpetual_json()},
      {"chains",
       {{"journal", chain_head(journal.sequence, journal.hash)},
        {"outcomes", chain_head(outcomes.sequence, outcomes.hash)},
        {"events", chain_head(events.sequence, events.hash)}}},
      {"previous_closing_hash", to_hex(as_bytes(previous_hash))},
      {"signing_key_fingerprint", to_hex(as_bytes(fingerprint))}};
  Closing closing;
  closing.number = number;
  closing.until_ms = until_ms;
  closing.first_sequence = first;
  closing.last_sequence = last;
  closing.closed_at_ms = now_ms;
  closing.document = json_text(document);
  const Digest hash = sha256(closing.document);
  const std::string signature =
      sign_message(request.signing_key_pem, closing.document, "the signing key");
  closing.hash_hex = to_hex(as_bytes(hash));
  closing.signature_hex = to_hex(signature);
  closing.key_fingerprint_hex = to_hex(as_bytes(fingerprint));
  auto& insert = db.statement(
      "INSERT INTO closings (number, until_ms, first_seq, last_seq, document, hash, signature, "
      "key_fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, number);
  insert.bind(2, until_ms);
  insert.bind(3, first);
  insert.bind(4, last);
  insert.bind(5, closing.document);
  insert.bindNoCopy(6, hash.data(), static_cast<int>(hash.size()));
  insert.bindNoCopy(7, signature.data(), static_cast<int>(signature.size()));
  insert.bindNoCopy(8, fingerprint.data(), static_cast<int>(fingerprint.size()));
  insert.bind(9, now_ms);
  insert.exec();
  LEDGER_FAILPOINT("close.after_closing_stored");
  return closing;
}

}  // namespace ledger::detail
