#include "hq_verify.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "central_schema.h"
#include "closings.h"
#include "crypto.h"
#include "journal.h"
#include "pg_connection.h"
#include "signing.h"

namespace ledger::central {
namespace {

using detail::Digest;
using detail::to_hex;

// Violations kept per ledger: the first ones say where it starts; thousands say no more.
constexpr std::size_t kViolationsPerLedger = 100;
constexpr int kFetchRows = 10000;

std::string genesis() { return std::string(detail::as_bytes(detail::genesis_hash())); }

Digest as_digest(const std::string& bytes) {
  Digest digest{};
  if (bytes.size() == digest.size()) std::copy(bytes.begin(), bytes.end(), digest.begin());
  return digest;
}

class LedgerCheck {
 public:
  LedgerCheck(PgConnection& pg, std::string ledger_id, HqVerifyReport& report,
              const detail::PublicKey* key)
      : pg_(pg), ledger_id_(std::move(ledger_id)), report_(report), key_(key) {}

  void run(std::int64_t head_seq, const std::string& head_hash) {
    load_accounts();
    const PgResult closed = pg_.exec(
        "SELECT last_seq FROM ledger_hq.closings WHERE ledger_id = $1", {ledger_id_});
    for (int i = 0; i < closed.rows(); ++i) hash_of_[closed.integer(i, 0)] = {};
    const std::string last_hash = walk_journal(head_seq);
    if (last_seq_ != head_seq || last_hash != head_hash) {
      add("head", head_seq,
          fmt::format("the recorded head is row {} (hash {}), the rows end at {} (hash {})",
                      head_seq, to_hex(head_hash), last_seq_, to_hex(last_hash)));
    }
    check_closings(head_seq);
    check_chain_heads(head_seq);
  }

 private:
  void add(std::string kind, std::int64_t seq, std::string detail) {
    if (added_ == kViolationsPerLedger) return;
    ++added_;
    report_.violations.push_back({ledger_id_, std::move(kind), seq, std::move(detail)});
  }

  void load_accounts() {
    const PgResult rows = pg_.exec(
        "SELECT code, currency FROM ledger_hq.accounts WHERE ledger_id = $1", {ledger_id_});
    for (int i = 0; i < rows.rows(); ++i) {
      currency_of_[std::string(rows.text(i, 0))] = std::string(rows.text(i, 1));
    }
  }

  void check_account(std::int64_t seq, const std::string& code, const std::string& currency) {
    const auto found = currency_of_.find(code);
    if (found == currency_of_.end()) {
      add("account", seq, fmt::format("account {:?} is not in ledger_hq.accounts", code));
    } else if (found->second != currency) {
      add("account", seq, fmt::format("row in {} but account {:?} is in {}", currency, code,
                                      found->second));
    }
  }

  // Returns the last row's hash; sets last_seq_.
  std::string walk_journal(std::int64_t head_seq) {
    PgTransaction transaction(pg_);  // a cursor lives in a transaction
    pg_.exec(
        "DECLARE rows NO SCROLL CURSOR FOR SELECT seq, kind, debit_account, credit_account, "
        "amount_minor, currency, memo, principal, idem_key, created_at_ms, ref_seq, "
        "clock_behind_ms, prev_hash, hash FROM ledger_hq.journal WHERE ledger_id = $1 "
        "ORDER BY seq",
        {ledger_id_});
    std::string prev = genesis();
    std::int64_t expected = 1;
    detail::JournalRow row;
    while (true) {
      const PgResult rows = pg_.exec(fmt::format("FETCH {} FROM rows", kFetchRows));
      if (rows.rows() == 0) break;
      for (int i = 0; i < rows.rows(); ++i) {
        const std::int64_t seq = rows.integer(i, 0);
        row.kind = rows.text(i, 1);
        row.debit_code = rows.text(i, 2);
        row.credit_code = rows.text(i, 3);
        row.amount_minor = rows.integer(i, 4);
        row.currency = rows.text(i, 5);
        row.memo = rows.text(i, 6);
        row.principal = rows.text(i, 7);
        row.key = rows.text(i, 8);
        row.created_at_ms = rows.integer(i, 9);
        row.ref_seq.reset();
        if (!rows.is_null(i, 10)) row.ref_seq = rows.integer(i, 10);
        row.clock_behind_ms = rows.integer(i, 11);
        const std::string prev_hash = rows.bytes(i, 12);
        const std::string hash = rows.bytes(i, 13);
        ++report_.rows;
        if (seq != expected) {
          add("gap", expected, fmt::format("rows {} to {} are missing", expected, seq - 1));
        }
        if (prev_hash != prev) {
          add("prev_hash", seq, fmt::format("chains from {}, the row before has hash {}",
                                            to_hex(prev_hash), to_hex(prev)));
        }
        const Digest computed = detail::chain_hash(as_digest(prev_hash), seq, row);
        if (detail::as_bytes(computed) != hash) {
          add("hash", seq, fmt::format("the row's content hashes to {}, its stored hash is {}",
                                       to_hex(detail::as_bytes(computed)), to_hex(hash)));
        }
        if (seq > head_seq) {
          add("unaccepted", seq, fmt::format("row after the recorded head {}", head_seq));
        }
        check_account(seq, row.debit_code, row.currency);
        check_account(seq, row.credit_code, row.currency);
        if (const auto closed = hash_of_.find(seq); closed != hash_of_.end()) {
          closed->second = hash;  // a closing signed this row: kept for check_closings
        }
        prev = hash;
        expected = seq + 1;
        last_seq_ = seq;
      }
    }
    transaction.commit();
    return last_seq_ == 0 ? genesis() : prev;
  }

  void check_closings(std::int64_t head_seq) {
    const PgResult rows = pg_.exec(
        "SELECT number, last_seq, document, hash, signature, key_fingerprint FROM "
        "ledger_hq.closings WHERE ledger_id = $1 ORDER BY number",
        {ledger_id_});
    std::string previous = std::string(detail::as_bytes(detail::closing_genesis_hash()));
    for (int i = 0; i < rows.rows(); ++i) {
      ++report_.closings;
      const std::int64_t number = rows.integer(i, 0);
      const std::int64_t last_seq = rows.integer(i, 1);
      const std::string document(rows.text(i, 2));
      const std::string hash = rows.bytes(i, 3);
      const std::string computed(detail::as_bytes(detail::sha256(document)));
      if (computed != hash) {
        add("closing_hash", number, "the closing document does not hash to its stored hash");
      }
      const nlohmann::json parsed = nlohmann::json::parse(document, nullptr, false);
      if (!parsed.is_object() || !parsed.contains("period")) {
        add("closing_document", number, "the closing document is not a closing");
        continue;
      }
      if (parsed.value("ledger_id", "") != ledger_id_) {
        add("closing_document", number, "the closing names another ledger");
      }
      if (parsed.value("previous_closing_hash", "") != to_hex(previous)) {
        add("closing_chain", number, "the closing does not chain from the closing before it");
      }
      const nlohmann::json& period = parsed["period"];
      if (period.value("last_seq", std::int64_t{-1}) != last_seq || last_seq > head_seq) {
        add("closing_period", number,
            fmt::format("the closing's last row {} is not an accepted row", last_seq));
      } else if (last_seq > 0) {
        const auto found = hash_of_.find(last_seq);
        if (found == hash_of_.end() || found->second.empty() || period.value("last_hash", "") != to_hex(found->second)) {
          add("closing_journal", number,
              fmt::format("the closing signed row {} with hash {}, head office has another",
                          last_seq, period.value("last_hash", "")));
        }
      }
      if (key_ != nullptr) {
        ++report_.signatures;
        if (!key_->verifies(document, rows.bytes(i, 4))) {
          add("closing_signature", number, "the signature is not the given key's");
        }
      }
      previous = hash;
    }
  }

  void check_chain_heads(std::int64_t head_seq) {
    const PgResult rows = pg_.exec(
        "SELECT chain, position, journal_seq FROM ledger_hq.chain_heads WHERE ledger_id = $1 "
        "AND journal_seq > $2",
        {ledger_id_, std::to_string(head_seq)});
    for (int i = 0; i < rows.rows(); ++i) {
      add("chain_head", rows.integer(i, 2),
          fmt::format("the {} chain head at position {} was recorded at journal row {}, after "
                      "the head",
                      rows.text(i, 0), rows.integer(i, 1), rows.integer(i, 2)));
    }
  }

  PgConnection& pg_;
  std::string ledger_id_;
  HqVerifyReport& report_;
  const detail::PublicKey* key_;
  std::map<std::string, std::string> currency_of_;
  std::map<std::int64_t, std::string> hash_of_;  // the hash of each row a closing signed
  std::int64_t last_seq_ = 0;
  std::size_t added_ = 0;
};

}  // namespace

HqVerifyReport hq_verify(const std::string& conninfo, const HqVerifyOptions& options) {
  PgConnection pg(conninfo);
  require_central(pg);
  std::optional<detail::PublicKey> key;
  if (options.public_pem) key.emplace(*options.public_pem, "--public-key");
  HqVerifyReport report;
  const PgResult ledgers = pg.exec(
      "SELECT ledger_id, head_seq, head_hash FROM ledger_hq.ledgers "
      "WHERE ($1::uuid IS NULL OR ledger_id = $1) ORDER BY ledger_id",
      {options.ledger_id});
  for (int i = 0; i < ledgers.rows(); ++i) {
    ++report.ledgers;
    LedgerCheck check(pg, std::string(ledgers.text(i, 0)), report, key ? &*key : nullptr);
    check.run(ledgers.integer(i, 1), ledgers.bytes(i, 2));
  }
  return report;
}

}  // namespace ledger::central
