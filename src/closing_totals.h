// The totals a closing signs (SPEC 10), accumulated row by row in journal order: by close
// over the period it seals, and by verify and audit verify over the whole record, so that
// both compute them the same way.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ledger::detail {

// Whether a journal row of `kind` moves posted balances (reserve and void only hold).
[[nodiscard]] bool moves_balance(std::string_view kind);

class ClosingTotals {
 public:
  // Starts from the perpetual totals of a previous closing's document (nullptr: genesis).
  explicit ClosingTotals(const nlohmann::json* previous_perpetual = nullptr);

  // Adds one journal row. Returns false if a sum passed int64 (the totals are then wrong).
  bool add(std::string_view kind, const std::string& debit_code, const std::string& credit_code,
           const std::string& currency, std::int64_t amount_minor);
  // Ends the period: the period totals start again from zero, the perpetual ones go on.
  void next_period() { period_.clear(); }

  // [{"account","credits_minor","currency","debits_minor","rows"}] by account code.
  [[nodiscard]] nlohmann::json period_json() const;
  // {"accounts":[{"account","balance_minor","currency"}],
  //  "currencies":[{"currency","rows","volume_minor"}]}
  [[nodiscard]] nlohmann::json perpetual_json() const;

 private:
  struct AccountLine {
    std::string currency;
    std::int64_t debits = 0, credits = 0, rows = 0;
  };
  struct Balance {
    std::string currency;
    std::int64_t balance = 0;
  };
  struct Volume {
    std::int64_t volume = 0, rows = 0;
  };
  std::map<std::string, AccountLine> period_;
  std::map<std::string, Balance> balances_;
  std::map<std::string, Volume> volumes_;
};

}  // namespace ledger::detail
