#include "closing_check.h"

#include <fmt/format.h>

#include "closings.h"
#include "journal.h"
#include "json_text.h"
#include "signing.h"

namespace ledger::detail {
namespace {

using json = nlohmann::json;

const char* chain_name(Chain chain) {
  switch (chain) {
    case Chain::journal: return "journal";
    case Chain::outcomes: return "outcome";
    case Chain::events: return "event";
  }
  return "chain";
}

std::string where_in(Chain chain, std::int64_t seq) {
  return fmt::format("{} seq {}", chain_name(chain), seq);
}

bool has_fields(const json& document) {
  try {
    (void)document.at("number").get<std::int64_t>();
    (void)document.at("period").at("first_seq").get<std::int64_t>();
    (void)document.at("period").at("last_seq").get<std::int64_t>();
    (void)document.at("period").at("until_ms").get<std::int64_t>();
    (void)document.at("period").at("last_hash").get<std::string>();
    for (const char* chain : {"journal", "outcomes", "events"}) {
      (void)document.at("chains").at(chain).at("seq").get<std::int64_t>();
      (void)document.at("chains").at(chain).at("hash").get<std::string>();
    }
    (void)document.at("previous_closing_hash").get<std::string>();
    (void)document.at("signing_key_fingerprint").get<std::string>();
    return document.at("totals").is_array() && document.at("perpetual").is_object();
  } catch (const json::exception&) {
    return false;
  }
}

}  // namespace

ClosingCheck::ClosingCheck(std::vector<StoredClosing> closings, const PublicKey* public_key,
                           ReportViolation report)
    : report_(std::move(report)) {
  for (StoredClosing& stored : closings) {
    Parsed parsed{std::move(stored), json(), false};
    parsed.document = json::parse(parsed.stored.document, nullptr, false);
    parsed.usable = parsed.document.is_object() && has_fields(parsed.document);
    closings_.push_back(std::move(parsed));
  }
  check_documents(public_key);
}

void ClosingCheck::check_documents(const PublicKey* public_key) {
  std::optional<std::string> expected_fingerprint;
  if (public_key != nullptr) expected_fingerprint = to_hex(as_bytes(public_key->fingerprint()));
  std::string previous_hash = to_hex(as_bytes(closing_genesis_hash()));
  std::int64_t previous_last = 0;
  std::int64_t previous_until = INT64_MIN;
  std::int64_t expected_number = 1;
  for (const Parsed& closing : closings_) {
    const StoredClosing& stored = closing.stored;
    const std::string where = fmt::format("closing {}", stored.number);
    if (stored.number != expected_number) {
      report_("closing_sequence", where,
              fmt::format("expected closing {}, found {}: a closing was removed", expected_number,
                          stored.number));
    }
    expected_number = stored.number + 1;
    const std::string document_hash = to_hex(as_bytes(sha256(stored.document)));
    if (to_hex(stored.hash) != document_hash) {
      report_("closing_document", where, "the document does not match its stored hash: it was edited");
    }
    if (public_key != nullptr) {
      ++signatures_checked_;
      if (!public_key->verifies(stored.document, stored.signature)) {
        report_("closing_signature", where,
                "the signature does not verify with the given public key: the closing was "
                "rewritten, or signed by another key");
      }
    }
    if (!closing.usable) {
      report_("closing_document", where, "the document is not a closing this build can read");
      previous_hash = document_hash;
      continue;
    }
    const json& document = closing.document;
    const json& period = document["period"];
    if (document["number"].get<std::int64_t>() != stored.number ||
        period["first_seq"].get<std::int64_t>() != stored.first_seq ||
        period["last_seq"].get<std::int64_t>() != stored.last_seq ||
        period["until_ms"].get<std::int64_t>() != stored.until_ms) {
      report_("closing_document", where, "the stored columns differ from the signed document");
    }
    if (expected_fingerprint && document["signing_key_fingerprint"] != *expected_fingerprint) {
      report_("closing_signature", where,
              fmt::format("signed by key {}, not by the given public key ({})",
                          document["signing_key_fingerprint"].get<std::string>(),
                          *expected_fingerprint));
    }
    if (to_hex(stored.key_fingerprint) != document["signing_key_fingerprint"]) {
      report_("closing_document", where, "the stored key fingerprint differs from the signed one");
    }
    if (document["previous_closing_hash"] != previous_hash) {
      report_("closing_chain", where,
              "its previous-closing hash does not match the closing before it: a closing "
              "before it was changed or removed");
    }
    const std::int64_t first = period["first_seq"].get<std::int64_t>();
    const std::int64_t last = period["last_seq"].get<std::int64_t>();
    if (first != previous_last + 1 || last < first - 1 ||
        period["until_ms"].get<std::int64_t>() < previous_until) {
      report_("closing_period", where,
              fmt::format("its period (journal seq {}..{}) does not follow the previous "
                          "closing's (which ended at seq {})",
                          first, last, previous_last));
    }
    previous_last = last;
    previous_until = period["until_ms"].get<std::int64_t>();
    previous_hash = document_hash;
    expect(Chain::journal, last, stored.number, period["last_hash"].get<std::string>());
    const json& chains = document["chains"];
    expect(Chain::journal, chains["journal"]["seq"].get<std::int64_t>(), stored.number,
           chains["journal"]["hash"].get<std::string>());
    expect(Chain::outcomes, chains["outcomes"]["seq"].get<std::int64_t>(), stored.number,
           chains["outcomes"]["hash"].get<std::string>());
    expect(Chain::events, chains["events"]["seq"].get<std::int64_t>(), stored.number,
           chains["events"]["hash"].get<std::string>());
  }
}

void ClosingCheck::expect(Chain chain, std::int64_t seq, std::int64_t closing,
                          const std::string& hash_hex) {
  if (seq > 0) {
    heads_[{chain, seq}].push_back(Expected{closing, hash_hex});
    return;
  }
  // An empty chain: only the journal's genesis is known here; outcome and event chains
  // that were empty at closing time are checked by their sequence (0) alone.
  if (chain == Chain::journal && hash_hex != to_hex(as_bytes(genesis_hash()))) {
    report_("closing_head", fmt::format("closing {}", closing),
            "it signed an empty journal with a hash that is not the genesis hash");
  }
}

void ClosingCheck::link(Chain chain, std::int64_t seq, const Digest& stored_hash) {
  auto found = heads_.find({chain, seq});
  if (found == heads_.end()) return;
  const std::string stored = to_hex(as_bytes(stored_hash));
  for (const Expected& expected : found->second) {
    if (expected.hash_hex != stored) {
      report_("closing_head", where_in(chain, seq),
              fmt::format("closing {} signed this {} position with another hash: the record up "
                          "to it was rewritten (and re-chained) after it was closed",
                          expected.closing, chain_name(chain)));
    }
  }
  heads_.erase(found);
}

void ClosingCheck::close_periods_before(std::int64_t seq) {
  while (next_period_ < closings_.size()) {
    const Parsed& closing = closings_[next_period_];
    if (!closing.usable) {
      ++next_period_;
      continue;
    }
    if (closing.document["period"]["last_seq"].get<std::int64_t>() >= seq) return;
    compare_totals(closing);
    totals_.next_period();
    ++next_period_;
  }
}

void ClosingCheck::journal_row(std::int64_t seq, const std::string& kind,
                               const std::string& debit_code, const std::string& credit_code,
                               const std::string& currency, std::int64_t amount_minor) {
  close_periods_before(seq);
  totals_overflowed_ |= !totals_.add(kind, debit_code, credit_code, currency, amount_minor);
}

void ClosingCheck::compare_totals(const Parsed& closing) {
  const std::string where = fmt::format("closing {}", closing.stored.number);
  if (totals_overflowed_) {
    report_("closing_totals", where, "the journal's totals pass int64 and cannot match");
    return;
  }
  const json period = totals_.period_json();
  if (period != closing.document["totals"]) {
    report_("closing_totals", where,
            fmt::format("the period totals it signed ({}) differ from the journal's ({}) for "
                        "journal seq {}..{}",
                        json_text(closing.document["totals"]), json_text(period),
                        closing.stored.first_seq, closing.stored.last_seq));
  }
  if (totals_.perpetual_json() != closing.document["perpetual"]) {
    report_("closing_totals", where,
            "the perpetual totals it signed differ from the journal's since the first row");
  }
}

void ClosingCheck::finish(std::int64_t journal_last, std::int64_t outcomes_last,
                          std::int64_t events_last) {
  close_periods_before(INT64_MAX);
  for (const auto& [position, expected] : heads_) {
    const auto& [chain, seq] = position;
    const std::int64_t last = chain == Chain::journal    ? journal_last
                              : chain == Chain::outcomes ? outcomes_last
                                                         : events_last;
    for (const Expected& head : expected) {
      report_("closing_truncated", where_in(chain, seq),
              fmt::format("closing {} signed the {} chain up to seq {}, but it ends at seq {}: "
                          "rows were cut",
                          head.closing, chain_name(chain), seq, last));
    }
  }
  heads_.clear();
}

}  // namespace ledger::detail
