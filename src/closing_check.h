// Checks signed closings against the record (SPEC 10), for verify (from the ledger file)
// and audit verify (from an archive): each closing's document against its stored hash, its
// signature (when a public key is given), the chain of previous-closing hashes, its
// period's totals and perpetual totals recomputed from the journal, and the heads of the
// journal, outcome and event chains it signed against the hashes stored at those
// positions. A rewrite before a closing, even a re-chained one, changes a signed head; a
// tail cut back beyond a closing leaves a signed head that no row has.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "closing_totals.h"
#include "crypto.h"
#include "signing.h"

namespace ledger::detail {

using ReportViolation =
    std::function<void(std::string kind, std::string where, std::string detail)>;

struct StoredClosing {
  std::int64_t number = 0;
  std::int64_t until_ms = 0, first_seq = 0, last_seq = 0;
  std::string document;
  std::string hash;             // 32 bytes as stored
  std::string signature;        // 64 bytes
  std::string key_fingerprint;  // 32 bytes
};

enum class Chain { journal, outcomes, events };

class ClosingCheck {
 public:
  // With `public_key` (may be null), every closing's signature is checked too.
  ClosingCheck(std::vector<StoredClosing> closings, const PublicKey* public_key,
               ReportViolation report);

  // Every journal row in sequence order, with its account codes.
  void journal_row(std::int64_t seq, const std::string& kind, const std::string& debit_code,
                   const std::string& credit_code, const std::string& currency,
                   std::int64_t amount_minor);
  // The stored hash at each position of each chain, in order.
  void link(Chain chain, std::int64_t seq, const Digest& stored_hash);
  // After every row and link: the last position of each chain.
  void finish(std::int64_t journal_last, std::int64_t outcomes_last, std::int64_t events_last);

  [[nodiscard]] std::int64_t closings_checked() const {
    return static_cast<std::int64_t>(closings_.size());
  }
  [[nodiscard]] std::int64_t signatures_checked() const { return signatures_checked_; }

 private:
  struct Expected {
    std::int64_t closing = 0;
    std::string hash_hex;
  };
  struct Parsed {
    StoredClosing stored;
    nlohmann::json document;
    bool usable = false;  // parsed, with the fields the checks below read
  };
  void check_documents(const PublicKey* public_key);
  void expect(Chain chain, std::int64_t seq, std::int64_t closing, const std::string& hash_hex);
  void close_periods_before(std::int64_t seq);
  void compare_totals(const Parsed& closing);

  std::vector<Parsed> closings_;
  ReportViolation report_;
  std::map<std::pair<Chain, std::int64_t>, std::vector<Expected>> heads_;
  ClosingTotals totals_;
  std::size_t next_period_ = 0;  // the first closing whose period is not compared yet
  std::int64_t signatures_checked_ = 0;
  bool totals_overflowed_ = false;
};

}  // namespace ledger::detail
