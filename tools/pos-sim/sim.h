// pos-sim: a simulated till that sells through the embedded ledger while faults strike
// each of the three points where a client cannot tell what happened, and then proves that
// every sale was charged exactly once.
//
// The shared vocabulary of the simulator: its configuration, the operations the till
// performs (sales and card top-ups) and the counters the summary prints.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ledger/ledger.h"

namespace pos_sim {

inline constexpr const char* kTill = "till:1";  // the till's account and principal
inline constexpr const char* kWorld = "world";  // unlimited system account
inline constexpr const char* kCurrency = "EUR";
inline constexpr int kExponent = 2;
inline constexpr const char* kWorldName = "pos-sim world";  // marks a pos-sim database

// What strikes one attempt to send a request to the engine.
enum class Fault {
  none,
  lost_request,  // the request never reaches the engine; the till times out
  killed,        // the process running the transfer is SIGKILLed mid-operation
  lost_reply,    // the engine commits, the reply never reaches the till
};
inline constexpr int kFaultKinds = 4;  // including Fault::none

struct Config {
  std::string db_path = "pos-sim.db";
  int sales = 200;
  int customers = 8;
  std::uint64_t seed = 0;
  double fault_rate = 0.35;  // chance that one attempt is struck by a fault
  int max_attempts = 8;      // the last attempt is never struck, so every sale finishes
  int kill_window_us = 0;    // kill delay range after the child enters transfer(); 0: auto
  ledger::Durability durability = ledger::Durability::full;
  bool overwrite = false;           // replace an existing file that is not a pos-sim database
  bool retry_with_new_key = false;  // the bug idempotency keys prevent: for demonstration
  bool verbose = false;
};

enum class OpKind { sale, top_up };

// One money movement the till wants done exactly once.
struct Operation {
  int id = 0;
  OpKind kind = OpKind::sale;
  bool issued_key = false;  // key from Ledger::issue_key, else client-supplied (UUID-like)
  ledger::TransferRequest request;
  ledger::Outcome expected = ledger::Outcome::created;  // by the till's own model
  std::vector<std::string> keys;                        // every key sent (one, normally)
  std::optional<ledger::TransferResult> reply;          // the reply the till accepted
  // Replies the till never saw (lost after commit), kept by the simulator as an observer
  // to check that the eventual replay is byte-identical: (key, body).
  std::vector<std::pair<std::string, std::string>> dropped;
  int attempts = 0;
  std::string story;  // one word per attempt, for --verbose
};

struct Counters {
  int operations = 0;  // sales, top-ups and opening balances
  int sales_attempted = 0;
  int sales_completed = 0;  // charged
  int sales_rejected = 0;   // stored business rejection (insufficient funds)
  int top_ups = 0;
  std::array<int, kFaultKinds> faults{};  // indexed by Fault
  int killed_committed = 0;               // the child had committed when the kill landed
  int killed_rolled_back = 0;             // it had not: SQLite rolled the transaction back
  int killed_replaying = 0;  // an earlier attempt had committed: the child was replaying
  int retries = 0;
  int replays = 0;               // replies flagged replayed during the run
  int rejection_replays = 0;     // of which stored rejections
  int transient_errors = 0;      // Error{busy|io}: retried with the same key
  int unexpected_outcomes = 0;   // an outcome the till's model did not predict
  int lost_replies_checked = 0;  // dropped replies compared with the eventual replay
  int replay_mismatches = 0;     // a replay whose body differs from the dropped reply
  int keys_issued = 0;
  int keys_client = 0;
  std::int64_t kill_window_us = 0;  // the kill-delay range actually used last
};

// The balances the till expects if every operation took effect exactly once.
using Model = std::map<std::string, std::int64_t>;

}  // namespace pos_sim
