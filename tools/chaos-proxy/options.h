// The command line of chaos-proxy (contract: /work/briefs/contracts.md, README "chaos").
#pragma once

#include <cstdint>
#include <string>

namespace chaos {

// Each probability is the chance that one request burst gets that fault. The faults are
// exclusive (one draw picks at most one), so their sum must not exceed 1.
struct FaultProbabilities {
  double drop_request = 0.0;  // read the request, never forward it, close both sides
  double cut = 0.0;           // forward it, close both sides before any reply
  double drop_reply = 0.0;    // forward it, close both sides when the reply starts
  double delay = 0.0;         // sleep before the request or before the reply (coin flip)
};

struct Options {
  std::string listen = "127.0.0.1:0";  // HOST:PORT; port 0 binds a free port
  std::string upstream;                // HOST:PORT of the real server
  FaultProbabilities faults;
  int max_delay_ms = 50;   // upper bound of every delay and of the wait before a cut
  std::uint64_t seed = 0;  // seeds the fault draws; random when not given
  bool seed_given = false;
  std::string stats_path;  // JSON counts, rewritten every second and at exit; "" = none
};

// Parses argv. Exits the process itself for --help (0) and for bad usage (2), printing
// what was wrong and how to call the tool.
Options parse_options(int argc, char** argv);

}  // namespace chaos
