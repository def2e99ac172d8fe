// central-bench's output: `name: value unit` lines as they are measured (stdout, or stderr
// with --json), and the same figures as one JSON document at the end.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace central_bench {

class Report {
 public:
  explicit Report(bool json) : json_(json) {}
  void section(const std::string& title) const;  // "# title"
  void info(const std::string& name, const std::string& value);
  // A figure: printed as `name: value unit`, kept in the JSON under `path` (a JSON pointer
  // such as "/ingest/8/ratio_ingest").
  void add(const std::string& name, double value, const std::string& unit, int decimals,
           const std::string& path);
  // A line for the reader only (a note on how a figure was made).
  void note(const std::string& line) const;
  // Progress on stderr: "central-bench: ...".
  static void progress(const std::string& line);
  void print_json() const;
  [[nodiscard]] nlohmann::ordered_json& doc() { return doc_; }

 private:
  void print(const std::string& line) const;
  bool json_;
  nlohmann::ordered_json doc_ = nlohmann::ordered_json::object();
};

}  // namespace central_bench
