// Which fault a request burst gets: one seeded draw per burst, shared by all connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

#include "options.h"

namespace chaos {

enum class FaultKind {
  none,           // forward the request and the reply
  drop_request,   // read the request, never forward it, close both connections
  cut,            // forward the request, close both connections after `wait`, before any reply
  drop_reply,     // forward the request, close both connections when the reply starts
  delay_request,  // sleep `wait` before forwarding the request
  delay_reply,    // sleep `wait` before passing on the reply
};

struct Fault {
  FaultKind kind = FaultKind::none;
  std::chrono::milliseconds wait{0};  // the delay, or how long a cut lets the server work
};

// Thread-safe. With the same seed and the same order of draws it makes the same faults;
// across threads the order of draws depends on scheduling, so a run repeats only roughly.
class FaultPlan {
 public:
  FaultPlan(const FaultProbabilities& probabilities, int max_delay_ms, std::uint64_t seed);

  // The fault for the next request burst.
  Fault next();

 private:
  std::chrono::milliseconds random_wait();  // REQUIRES: mutex_ held

  FaultProbabilities probabilities_;
  int max_delay_ms_;
  std::mutex mutex_;
  std::mt19937_64 random_;
};

}  // namespace chaos
