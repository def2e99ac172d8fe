#include "workload.h"

#include <fmt/format.h>

#include <chrono>
#include <stdexcept>

namespace bench {
namespace {

std::int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

ledger::Options engine_options(const Config& config) {
  ledger::Options options;
  options.durability = config.durability;
  options.allow_client_keys = true;
  return options;
}

ledger::Ledger open_engine(const std::string& path, const Config& config) {
  ledger::Ledger engine = ledger::Ledger::open(path, engine_options(config));
  if (!engine.find_account("world")) {
    engine.create_account({.code = "world",
                           .currency = "EUR",
                           .overdraft = ledger::OverdraftRule::unlimited,
                           .overdraft_limit_minor = 0,
                           .name = "customers"});
    for (int i = 0; i < kTills; ++i) {
      engine.create_account({.code = fmt::format("till:{}", i),
                             .currency = "EUR",
                             .overdraft = ledger::OverdraftRule::none,
                             .overdraft_limit_minor = 0,
                             .name = fmt::format("till {}", i)});
    }
  }
  return engine;
}

Sales::Sales(KeyKind kind) : kind_(kind) {
  for (int i = 0; i < kTills; ++i) tills_.push_back(fmt::format("till:{}", i));
}

ledger::TransferRequest Sales::next(KeyGen& keys, std::int64_t n) const {
  const std::string& till = tills_[static_cast<std::size_t>(n % kTills)];
  ledger::TransferRequest request;
  request.principal = till;
  request.key = kind_ == KeyKind::uuid_v7 ? keys.uuid_v7(unix_ms()) : keys.uuid_v4();
  request.debit_account = "world";
  request.credit_account = till;
  request.amount_minor = 1 + static_cast<std::int64_t>(keys.below(99'999));
  request.currency = "EUR";
  request.memo = fmt::format("receipt {}", n);
  return request;
}

std::vector<ledger::TransferRequest> Sales::batch(KeyGen& keys, std::int64_t first,
                                                  int count) const {
  std::vector<ledger::TransferRequest> requests;
  requests.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) requests.push_back(next(keys, first + i));
  return requests;
}

void expect_created(const ledger::TransferResult& result, const char* where) {
  if (result.outcome != ledger::Outcome::created || result.replayed) {
    throw std::runtime_error(fmt::format("{}: expected a new transfer, got {}{}: {}", where,
                                         ledger::to_string(result.outcome),
                                         result.replayed ? " (replayed)" : "", result.message));
  }
}

void expect_created(const std::vector<ledger::TransferResult>& results, const char* where) {
  for (const ledger::TransferResult& result : results) expect_created(result, where);
}

}  // namespace bench
