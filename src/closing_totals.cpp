#include "closing_totals.h"

#include "ledger/money.h"

namespace ledger::detail {
namespace {

bool add_to(std::int64_t& sum, std::int64_t amount) {
  auto next = checked_add(sum, amount);
  if (!next) return false;
  sum = *next;
  return true;
}

}  // namespace

bool moves_balance(std::string_view kind) {
  return kind == "transfer" || kind == "post" || kind == "reverse";
}

ClosingTotals::ClosingTotals(const nlohmann::json* previous) {
  if (previous == nullptr || !previous->is_object()) return;
  for (const auto& line : previous->value("accounts", nlohmann::json::array())) {
    balances_[line.value("account", "")] = {line.value("currency", ""),
                                            line.value("balance_minor", std::int64_t{0})};
  }
  for (const auto& line : previous->value("currencies", nlohmann::json::array())) {
    volumes_[line.value("currency", "")] = {line.value("volume_minor", std::int64_t{0}),
                                            line.value("rows", std::int64_t{0})};
  }
}

bool ClosingTotals::add(std::string_view kind, const std::string& debit_code,
                        const std::string& credit_code, const std::string& currency,
                        std::int64_t amount) {
  if (!moves_balance(kind)) return true;
  bool ok = true;
  AccountLine& debit = period_[debit_code];
  debit.currency = currency;
  ok &= add_to(debit.debits, amount);
  ++debit.rows;
  AccountLine& credit = period_[credit_code];
  credit.currency = currency;
  ok &= add_to(credit.credits, amount);
  ++credit.rows;
  Balance& from = balances_[debit_code];
  from.currency = currency;
  ok &= add_to(from.balance, -amount);
  Balance& to = balances_[credit_code];
  to.currency = currency;
  ok &= add_to(to.balance, amount);
  Volume& volume = volumes_[currency];
  ok &= add_to(volume.volume, amount);
  ++volume.rows;
  return ok;
}

nlohmann::json ClosingTotals::period_json() const {
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& [code, line] : period_) {
    lines.push_back({{"account", code},
                     {"currency", line.currency},
                     {"debits_minor", line.debits},
                     {"credits_minor", line.credits},
                     {"rows", line.rows}});
  }
  return lines;
}

nlohmann::json ClosingTotals::perpetual_json() const {
  nlohmann::json accounts = nlohmann::json::array();
  for (const auto& [code, balance] : balances_) {
    accounts.push_back(
        {{"account", code}, {"currency", balance.currency}, {"balance_minor", balance.balance}});
  }
  nlohmann::json currencies = nlohmann::json::array();
  for (const auto& [currency, volume] : volumes_) {
    currencies.push_back(
        {{"currency", currency}, {"volume_minor", volume.volume}, {"rows", volume.rows}});
  }
  return {{"accounts", accounts}, {"currencies", currencies}};
}

}  // namespace ledger::detail
