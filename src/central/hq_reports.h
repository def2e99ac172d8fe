// What head office asks of the consolidated copy (SPEC 11): posted balances and daily
// totals per store, ledger, account and currency, read from the ledger_hq views.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ledger::central {

struct HqFilter {
  std::optional<std::string> store;
  std::optional<std::string> ledger_id;
  std::optional<std::string> from_day, until_day;  // YYYY-MM-DD, inclusive (totals only)
};

struct HqBalance {
  std::string store, ledger_id, account, currency;
  int exponent = 0;
  std::int64_t balance_minor = 0;
};

struct HqTotal {
  std::string store, ledger_id, account, currency, day;
  int exponent = 0;
  std::int64_t debits_minor = 0, credits_minor = 0, net_minor = 0, rows = 0;
};

// `conninfo`: the head-office database (libpq connection string).
[[nodiscard]] std::vector<HqBalance> hq_balances(const std::string& conninfo,
                                                 const HqFilter& filter);
[[nodiscard]] std::vector<HqTotal> hq_totals(const std::string& conninfo, const HqFilter& filter);

}  // namespace ledger::central
