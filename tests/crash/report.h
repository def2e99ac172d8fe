// What a crash scenario did (figures) and what it found wrong (violations).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace crash {

// Figures are counters such as "crash.sigkill.random" -> 12; the soak driver sums and
// prints them by prefix. A violation is one line saying what broke the promise.
struct Report {
  std::map<std::string, std::int64_t> figures;
  std::vector<std::string> violations;

  void count(const std::string& figure, std::int64_t n = 1) { figures[figure] += n; }
  void violation(const std::string& text) { violations.push_back(text); }
  // Adds `other`'s figures and violations, each violation prefixed with `context` (e.g.
  // the failpoint or the fault the check came after), if given.
  void merge(const Report& other, const std::string& context = "");
  [[nodiscard]] bool ok() const { return violations.empty(); }
  // The violations, one a line (at most `max_lines` of them).
  [[nodiscard]] std::string violations_text(std::size_t max_lines = 20) const;
};

}  // namespace crash
