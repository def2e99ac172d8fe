// What machine a benchmark ran on, for its report: the CPU model and the load average
// (these machines are shared; a figure means little without the load it was measured under).
// Header-only, shared by ledger-bench and central-bench.
#pragma once

#include <fstream>
#include <string>

namespace bench_machine {

inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown";
}

// "1.03 3.08 3.95": the 1, 5 and 15 minute load averages.
inline std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

}  // namespace bench_machine
