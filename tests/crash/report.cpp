// Report: see report.h.
#include "report.h"

#include <fmt/format.h>

namespace crash {

void Report::merge(const Report& other, const std::string& context) {
  for (const auto& [name, n] : other.figures) figures[name] += n;
  for (const std::string& text : other.violations) {
    violations.push_back(context.empty() ? text : fmt::format("[{}] {}", context, text));
  }
}

std::string Report::violations_text(std::size_t max_lines) const {
  std::string text;
  for (std::size_t i = 0; i < violations.size() && i < max_lines; ++i) {
    text += violations[i] + "\n";
  }
  if (violations.size() > max_lines) {
    text += fmt::format("... and {} more\n", violations.size() - max_lines);
  }
  return text;
}

}  // namespace crash
