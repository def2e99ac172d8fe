#include "report.h"

#include <fmt/format.h>

#include <cstdio>

namespace central_bench {

void Report::print(const std::string& line) const {
  // With --json stdout carries only the document; the lines go to stderr as progress.
  std::FILE* out = json_ ? stderr : stdout;
  std::fprintf(out, "%s\n", line.c_str());
  std::fflush(out);
}

void Report::section(const std::string& title) const { print("# " + title); }

void Report::note(const std::string& line) const { print("# " + line); }

void Report::info(const std::string& name, const std::string& value) {
  doc_["info"][name] = value;
  print(name + ": " + value);
}

void Report::add(const std::string& name, double value, const std::string& unit, int decimals,
                 const std::string& path) {
  doc_[nlohmann::ordered_json::json_pointer(path)] = value;
  const std::string text = fmt::format("{:.{}f}", value, decimals);
  print(name + ": " + (unit.empty() ? text : text + " " + unit));
}

void Report::progress(const std::string& line) {
  std::fprintf(stderr, "central-bench: %s\n", line.c_str());
  std::fflush(stderr);
}

void Report::print_json() const {
  std::printf("%s\n", doc_.dump(2).c_str());
  std::fflush(stdout);
}

}  // namespace central_bench
