// pos-sim --remote URL: one till selling through a ledgerd server with ledger::Client,
// which keeps one idempotency key per sale across every retry. Several pos-sim processes
// (one per --till) may sell against the same server at once; each checks its own till.
//
// Exit status: 0 every sale got a final answer and the till's balance is consistent; 1 a
// check failed (balance, a body that does not match its sale, an answer that is neither
// 201 nor 402); 2 usage; 3 a sale (or the set-up) got no final answer before its deadline.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pos_sim {

struct RemoteConfig {
  std::string url;
  std::string token;
  std::string ca_cert;
  int till = 1;
  int sales = 200;
  int customers = 8;
  std::optional<std::uint64_t> seed;
  std::string outcomes_path;  // empty: no outcomes file
  std::string currency = "EUR";
  std::string key_source = "client";
  int deadline_seconds = 30;
  bool setup = false;
  bool verbose = false;
};

// True when the command line asks for the remote mode (--remote is among the words).
[[nodiscard]] bool remote_requested(int argc, char** argv);

// pos-sim's main() in remote mode: parses the remote options and runs the till.
[[nodiscard]] int remote_main(int argc, char** argv);

// The till's work once configured: --setup if asked, the sales, the check, the summary.
// Returns the exit status.
[[nodiscard]] int run_remote_till(const RemoteConfig& config);

}  // namespace pos_sim
