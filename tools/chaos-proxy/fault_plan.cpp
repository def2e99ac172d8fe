// Drawing one fault per request burst.
#include "fault_plan.h"

namespace chaos {

FaultPlan::FaultPlan(const FaultProbabilities& probabilities, int max_delay_ms, std::uint64_t seed)
    : probabilities_(probabilities), max_delay_ms_(max_delay_ms), random_(seed) {}

std::chrono::milliseconds FaultPlan::random_wait() {
  return std::chrono::milliseconds(std::uniform_int_distribution<int>(0, max_delay_ms_)(random_));
}

Fault FaultPlan::next() {
  std::lock_guard lock(mutex_);
  // One uniform draw against the cumulative probabilities: the faults are exclusive, so
  // each class's count is the share of requests it was meant to hit.
  double draw = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  const auto hit = [&draw](double p) {
    if (draw < p) return true;
    draw -= p;
    return false;
  };
  if (hit(probabilities_.drop_request)) return {FaultKind::drop_request, {}};
  if (hit(probabilities_.cut)) return {FaultKind::cut, random_wait()};
  if (hit(probabilities_.drop_reply)) return {FaultKind::drop_reply, {}};
  if (hit(probabilities_.delay)) {
    const bool before_request = std::bernoulli_distribution(0.5)(random_);
    return {before_request ? FaultKind::delay_request : FaultKind::delay_reply, random_wait()};
  }
  return {};
}

}  // namespace chaos
