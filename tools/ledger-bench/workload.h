// The engine's side of the workload: a POS ledger with a `world` account (money from
// customers) and 16 tills; each sale moves a random amount from `world` to a till, booked
// by that till as principal with a fresh random (UUIDv4) client key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config.h"
#include "ledger/ledger.h"
#include "util.h"

namespace bench {

inline constexpr int kTills = 16;

[[nodiscard]] ledger::Options engine_options(const Config& config);
// Opens the ledger at `path`, creating it with its accounts if it is new.
[[nodiscard]] ledger::Ledger open_engine(const std::string& path, const Config& config);

// Makes sale requests; `n` picks the till, so a sequence of n spreads over all tills.
class Sales {
 public:
  Sales();
  [[nodiscard]] ledger::TransferRequest next(KeyGen& keys, std::int64_t n) const;
  [[nodiscard]] std::vector<ledger::TransferRequest> batch(KeyGen& keys, std::int64_t first,
                                                           int count) const;

 private:
  std::vector<std::string> tills_;  // "till:0" .. "till:15": principal and credit account
};

// Throws unless every result is `created` and not a replay (a benchmark must never
// silently measure rejections).
void expect_created(const std::vector<ledger::TransferResult>& results, const char* where);
void expect_created(const ledger::TransferResult& result, const char* where);

}  // namespace bench
