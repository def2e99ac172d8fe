// See till.h. The till knows the effect every operation should have (its model) and
// predicts each outcome from it: a sale the customer cannot afford must be rejected, and
// that rejection is a correct, final outcome, not a lost sale.
#include "till.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "crash.h"

namespace pos_sim {
namespace {

constexpr const char* kBank = "bank";  // the principal that loads the opening balances
constexpr std::int64_t kMinSaleMinor = 50;
constexpr std::int64_t kMaxSaleMinor = 4000;
constexpr std::int64_t kLowBalanceMinor = 2500;  // below this a top-up may happen
constexpr double kTopUpChance = 0.6;
constexpr double kMinKillWindowUs = 100;
constexpr double kMaxKillWindowUs = 200'000;

const char* fault_word(Fault fault) {
  switch (fault) {
    case Fault::none:
      return "sent";
    case Fault::lost_request:
      return "request-lost";
    case Fault::killed:
      return "killed";
    case Fault::lost_reply:
      return "reply-lost";
  }
  return "?";
}

bool stored(ledger::Outcome outcome) {
  const auto c = ledger::outcome_class(outcome);
  return c == ledger::OutcomeClass::done || c == ledger::OutcomeClass::rejected;
}

}  // namespace

Till::Till(ledger::Ledger& ledger, const Config& config, std::string db_path, std::uint64_t seed)
    : ledger_(ledger), config_(config), db_path_(std::move(db_path)), rng_(seed) {}

void Till::open_shop() {
  ledger_.create_account({kWorld, kCurrency, ledger::OverdraftRule::unlimited, 0, kWorldName});
  ledger_.create_account({kTill, kCurrency, ledger::OverdraftRule::none, 0, "the till"});
  for (int i = 1; i <= config_.customers; ++i) {
    customers_.push_back(fmt::format("customer:{}", i));
    ledger_.create_account({customers_.back(), kCurrency, ledger::OverdraftRule::none, 0,
                            fmt::format("customer {}", i)});
  }
  for (const auto& customer : customers_) {
    auto& op = add_operation(OpKind::top_up, kBank, kWorld, customer, uniform(20, 120) * 100,
                             "opening balance");
    perform(op, Fault::none);
  }
}

void Till::sell_all() {
  // The first three sales meet one fault of each kind, so even a short run shows all.
  constexpr Fault kFirstFaults[] = {Fault::lost_request, Fault::killed, Fault::lost_reply};
  for (int i = 0; i < config_.sales; ++i) {
    const auto& customer = customers_[static_cast<std::size_t>(
        uniform(0, static_cast<std::int64_t>(customers_.size()) - 1))];
    if (model_[customer] < kLowBalanceMinor && chance(kTopUpChance)) {
      auto& top_up = add_operation(OpKind::top_up, kTill, kWorld, customer, uniform(40, 150) * 100,
                                   "card top-up");
      ++counters_.top_ups;
      perform(top_up, Fault::none);
    }
    auto& sale =
        add_operation(OpKind::sale, kTill, customer, kTill, uniform(kMinSaleMinor, kMaxSaleMinor),
                      fmt::format("sale {}", i + 1));
    ++counters_.sales_attempted;
    const bool force = i < 3 && config_.max_attempts > 1;  // a struck attempt needs a retry
    perform(sale, force ? kFirstFaults[i] : Fault::none);
  }
}

// Records the operation and what the till's model says it must do, before it is sent.
Operation& Till::add_operation(OpKind kind, const std::string& principal, const std::string& from,
                               const std::string& to, std::int64_t amount_minor,
                               const std::string& memo) {
  Operation op;
  op.id = ++counters_.operations;
  op.kind = kind;
  op.issued_key = chance(0.5);
  op.request = {principal, "", from, to, amount_minor, kCurrency, memo};
  const bool unlimited = from == kWorld;
  if (unlimited || model_[from] >= amount_minor) {
    op.expected = ledger::Outcome::created;
    model_[from] -= amount_minor;
    model_[to] += amount_minor;
  } else {
    op.expected = ledger::Outcome::insufficient_funds;
  }
  operations_.push_back(std::move(op));
  return operations_.back();
}

// Sends the request until a reply arrives: the same key on every retry (unless the
// demonstration bug --retry-with-new-key is on). Bounded by config.max_attempts; the last
// attempt is never struck by a fault.
void Till::perform(Operation& op, Fault first_fault) {
  op.keys.push_back(new_key(op.request.principal, op.issued_key));
  op.request.key = op.keys.back();
  for (int a = 0; a < config_.max_attempts && !op.reply; ++a) {
    if (a > 0) {
      ++counters_.retries;
      if (config_.retry_with_new_key) {
        op.keys.push_back(new_key(op.request.principal, op.issued_key));
        op.request.key = op.keys.back();
      }
    }
    ++op.attempts;
    attempt(op, a == 0 && first_fault != Fault::none ? first_fault : pick_fault(a));
  }
  finish(op);
}

void Till::attempt(Operation& op, Fault fault) {
  ++counters_.faults[static_cast<std::size_t>(fault)];
  if (fault == Fault::lost_request) {
    op.story += " request-lost";
    return;
  }
  if (fault == Fault::killed) {
    kill_attempt(op);
    return;
  }
  ledger::TransferResult result;
  try {
    result = timed_transfer(op.request);
  } catch (const ledger::Error& e) {
    if (!e.transient()) throw;
    ++counters_.transient_errors;
    op.story += fmt::format(" {}", ledger::to_string(e.code()));
    return;
  }
  if (fault == Fault::lost_reply) {
    if (stored(result.outcome)) op.dropped.emplace_back(op.request.key, result.body);
    op.story += fmt::format(" {}({})", fault_word(fault), ledger::to_string(result.outcome));
    return;
  }
  accept(op, std::move(result));
}

// The real kill. Afterwards the simulator (not the till, which cannot know) peeks at the
// key to count whether the kill landed before or after the commit, and steers the kill
// window so that about half the kills land on each side.
void Till::kill_attempt(Operation& op) {
  const auto completed = [&] {
    const auto key = ledger_.find_key(op.request.principal, op.request.key);
    return key && key->state == ledger::KeyState::completed;
  };
  const bool before = completed();
  run_and_kill(db_path_, config_.durability, op.request, kill_delay_us());
  if (before) {  // an earlier attempt had committed: the child was replaying
    ++counters_.killed_replaying;
    op.story += " killed(replaying)";
    return;
  }
  const bool committed = completed();
  ++(committed ? counters_.killed_committed : counters_.killed_rolled_back);
  op.story += committed ? " killed(after-commit)" : " killed(rolled-back)";
  if (config_.kill_window_us <= 0) {
    kill_window_us_ =
        std::clamp(kill_window_us_ * (committed ? 0.85 : 1.15), kMinKillWindowUs, kMaxKillWindowUs);
  }
}

void Till::accept(Operation& op, ledger::TransferResult result) {
  const bool rejected = ledger::outcome_class(result.outcome) == ledger::OutcomeClass::rejected;
  if (result.replayed) {
    ++counters_.replays;
    if (rejected) ++counters_.rejection_replays;
  }
  for (const auto& [key, body] : op.dropped) {
    if (key != op.request.key) continue;
    ++counters_.lost_replies_checked;
    if (body != result.body) ++counters_.replay_mismatches;
  }
  if (result.outcome != op.expected) ++counters_.unexpected_outcomes;
  op.story +=
      fmt::format(" {}{}", result.replayed ? "replayed-" : "", ledger::to_string(result.outcome));
  if (result.sequence) op.story += fmt::format("#{}", *result.sequence);
  op.reply = std::move(result);
}

void Till::finish(const Operation& op) {
  if (op.kind == OpKind::sale && op.reply) {
    if (op.reply->outcome == ledger::Outcome::created) ++counters_.sales_completed;
    if (op.reply->outcome == ledger::Outcome::insufficient_funds) ++counters_.sales_rejected;
  }
  if (config_.verbose) {
    fmt::print("  op {:>4} {:<7} {:<11} -> {:<11} {:>7} {} {:<6}:{}\n", op.id,
               op.kind == OpKind::sale ? "sale" : "top-up", op.request.debit_account,
               op.request.credit_account, ledger::format_amount(op.request.amount_minor, kExponent),
               kCurrency, op.issued_key ? "issued" : "client", op.story);
  }
}

ledger::TransferResult Till::timed_transfer(const ledger::TransferRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  auto result = ledger_.transfer(request);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  transfer_us_ema_ = transfer_us_ema_ == 0 ? static_cast<double>(us)
                                           : 0.9 * transfer_us_ema_ + 0.1 * static_cast<double>(us);
  return result;
}

Fault Till::pick_fault(int attempt_index) {
  if (attempt_index >= config_.max_attempts - 1 || !chance(config_.fault_rate)) {
    return Fault::none;
  }
  return static_cast<Fault>(uniform(1, kFaultKinds - 1));
}

std::string Till::new_key(const std::string& principal, bool issued) {
  if (!issued) {
    ++counters_.keys_client;
    return client_key();
  }
  ++counters_.keys_issued;
  return ledger_.issue_key(principal, "transfer").key;
}

// A UUID-like (version 4 layout) text from the seeded generator, so a run is reproducible.
std::string Till::client_key() {
  const std::uint64_t hi = (rng_() & ~0xF000ULL) | 0x4000ULL;
  const std::uint64_t lo = (rng_() & ~(0x3ULL << 62)) | (0x2ULL << 62);
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF,
                     hi & 0xFFFF, lo >> 48, lo & 0xFFFFFFFFFFFFULL);
}

// Aims the kill into the transfer: a random delay in [0, window] after the child enters
// transfer(). The window starts at a few times what a transfer takes in this process (the
// child's first transfer on a fresh connection is slower) and is then steered by
// kill_attempt().
std::int64_t Till::kill_delay_us() {
  if (config_.kill_window_us > 0) {
    kill_window_us_ = static_cast<double>(config_.kill_window_us);
  } else if (kill_window_us_ == 0) {
    kill_window_us_ = std::clamp(3 * transfer_us_ema_, kMinKillWindowUs, kMaxKillWindowUs);
  }
  counters_.kill_window_us = static_cast<std::int64_t>(kill_window_us_);
  return uniform(0, counters_.kill_window_us);
}

std::int64_t Till::uniform(std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
}

bool Till::chance(double p) { return std::bernoulli_distribution(p)(rng_); }

}  // namespace pos_sim
