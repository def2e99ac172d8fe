// The figures a run measured, printed as `name: value unit` lines as they come, or
// collected into one JSON document (--json).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace bench {

struct Figure {
  std::string scenario;
  std::string name;  // unique over the whole run, e.g. "ratio_single"
  double value = 0;
  std::string unit;  // "transfers/s", "us", "MiB", "" for ratios and counts
  int decimals = 0;  // digits after the point when printed
};

enum class Output {
  text,    // `name: value unit` lines on stdout, as they are measured
  json,    // progress lines on stderr, one JSON document on stdout at the end
  silent,  // collect only (a child process sends its figures to the parent)
};

class Report {
 public:
  explicit Report(Output output) : output_(output) {}

  // The scenario the following figures belong to.
  void section(const std::string& scenario);
  void info(const std::string& name, const std::string& value);
  void add(const std::string& name, double value, const std::string& unit, int decimals = 0);
  void add(const Figure& figure);
  // States whether figure `name` meets `op` ("<=" or ">=") `threshold`; figures absent
  // from this run are skipped. Informational: nothing is asserted.
  void target(const std::string& name, const std::string& op, double threshold);
  // A point of a named series (e.g. throughput vs ledger size), for plots.
  void add_point(const std::string& series, nlohmann::ordered_json point);

  [[nodiscard]] std::optional<double> value(const std::string& name) const;
  [[nodiscard]] const std::vector<Figure>& figures() const { return figures_; }
  // A progress or warning line: stderr, never mixed into the figures on stdout.
  void note(const std::string& line) const;
  void print_json() const;

 private:
  void print(const std::string& line) const;

  Output output_;
  std::string scenario_ = "run";
  nlohmann::ordered_json info_ = nlohmann::ordered_json::object();
  nlohmann::ordered_json series_ = nlohmann::ordered_json::object();
  nlohmann::ordered_json targets_ = nlohmann::ordered_json::array();
  std::vector<Figure> figures_;
};

[[nodiscard]] std::string format_value(const Figure& figure);

}  // namespace bench
