// Shared helpers for unit tests: a temporary directory per test (TempDir, from
// tests/support/temp_dir.h) and a fake clock.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>

#include "ledger/ledger.h"
#include "support/temp_dir.h"

namespace ledger::testing {

// A clock the test moves by hand, shared by the Options copies the engine keeps.
struct FakeClock {
  std::shared_ptr<std::atomic<std::int64_t>> now_ms =
      std::make_shared<std::atomic<std::int64_t>>(1'700'000'000'000);
  void advance_seconds(std::int64_t seconds) const { *now_ms += seconds * 1000; }
  [[nodiscard]] std::function<std::int64_t()> function() const {
    auto shared = now_ms;
    return [shared] { return shared->load(); };
  }
};

// The bytes of the file at `path` ("" if it cannot be read).
inline std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A ledger with `world` (unlimited), `till` and `customer` accounts in EUR.
inline Ledger open_with_accounts(const std::string& path, Options options = {}) {
  Ledger ledger = Ledger::open(path, options);
  ledger.create_account({"world", "EUR", OverdraftRule::unlimited, 0, "the outside world"});
  ledger.create_account({"till", "EUR", OverdraftRule::none, 0, "till 1"});
  ledger.create_account({"customer", "EUR", OverdraftRule::none, 0, "a customer"});
  return ledger;
}

inline TransferRequest make_transfer(const std::string& key, const std::string& from,
                                     const std::string& to, std::int64_t amount_minor,
                                     const std::string& principal = "till:1") {
  TransferRequest request;
  request.principal = principal;
  request.key = key;
  request.debit_account = from;
  request.credit_account = to;
  request.amount_minor = amount_minor;
  request.currency = "EUR";
  request.memo = "sale";
  return request;
}

}  // namespace ledger::testing
