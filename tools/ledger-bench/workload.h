// The engine's side of the workload: a POS ledger with a `world` account (money from
// customers) and 16 tills; each sale moves a random amount from `world` to a till, booked
// by that till as principal with a fresh client key: random (UUIDv4) by default, or
// time-ordered (UUIDv7) where a scenario says so.
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

// The client keys a workload sends: random version 4 UUIDs, or time-ordered version 7
// UUIDs (RFC 9562), which insert at the right edge of the key index.
enum class KeyKind { uuid_v4, uuid_v7 };

// Makes sale requests; `n` picks the till, so a sequence of n spreads over all tills.
class Sales {
 public:
  explicit Sales(KeyKind kind = KeyKind::uuid_v4);
  [[nodiscard]] ledger::TransferRequest next(KeyGen& keys, std::int64_t n) const;
  [[nodiscard]] std::vector<ledger::TransferRequest> batch(KeyGen& keys, std::int64_t first,
                                                           int count) const;

 private:
  KeyKind kind_;
  std::vector<std::string> tills_;  // "till:0" .. "till:15": principal and credit account
};

// Throws unless every result is `created` and not a replay (a benchmark must never
// silently measure rejections).
void expect_created(const std::vector<ledger::TransferResult>& results, const char* where);
void expect_created(const ledger::TransferResult& result, const char* where);

}  // namespace bench
