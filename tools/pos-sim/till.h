// The simulated till: creates the accounts, then sells, retrying every request with the
// same idempotency key until a reply arrives, while faults strike its attempts.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "sim.h"

namespace pos_sim {

class Till {
 public:
  // `db_path` must be absolute: the crash fault re-opens it from a child process.
  Till(ledger::Ledger& ledger, const Config& config, std::string db_path, std::uint64_t seed);

  // Creates world, till:1 and the customers, and gives each customer an opening balance.
  void open_shop();
  // Sells config.sales items, topping customers' cards up now and then.
  void sell_all();

  [[nodiscard]] const std::vector<Operation>& operations() const { return operations_; }
  [[nodiscard]] const Counters& counters() const { return counters_; }
  [[nodiscard]] const Model& model() const { return model_; }

 private:
  Operation& add_operation(OpKind kind, const std::string& principal, const std::string& from,
                           const std::string& to, std::int64_t amount_minor,
                           const std::string& memo);
  void perform(Operation& op, Fault first_fault);
  void attempt(Operation& op, Fault fault);
  void kill_attempt(Operation& op);
  void accept(Operation& op, ledger::TransferResult result);
  void finish(const Operation& op);
  ledger::TransferResult timed_transfer(const ledger::TransferRequest& request);
  Fault pick_fault(int attempt_index);
  std::string new_key(const std::string& principal, bool issued);
  std::string client_key();
  std::int64_t kill_delay_us();
  std::int64_t uniform(std::int64_t lo, std::int64_t hi);
  bool chance(double p);

  ledger::Ledger& ledger_;
  const Config& config_;
  std::string db_path_;
  std::mt19937_64 rng_;
  std::vector<Operation> operations_;
  Counters counters_;
  Model model_;
  std::vector<std::string> customers_;
  double transfer_us_ema_ = 0;  // how long transfer() takes here, to aim the kills
  double kill_window_us_ = 0;
};

}  // namespace pos_sim
