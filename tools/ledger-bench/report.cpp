#include "report.h"

#include <fmt/format.h>

#include <cstdio>

namespace bench {

std::string format_value(const Figure& figure) {
  std::string text = fmt::format("{:.{}f}", figure.value, figure.decimals);
  return figure.unit.empty() ? text : text + " " + figure.unit;
}

void Report::section(const std::string& scenario) {
  scenario_ = scenario;
  if (output_ != Output::silent) print("# " + scenario);
}

void Report::info(const std::string& name, const std::string& value) {
  info_[name] = value;
  if (output_ != Output::silent) print(name + ": " + value);
}

void Report::add(const std::string& name, double value, const std::string& unit, int decimals) {
  add(Figure{scenario_, name, value, unit, decimals});
}

void Report::add(const Figure& figure) {
  figures_.push_back(figure);
  if (output_ != Output::silent) print(figure.name + ": " + format_value(figure));
}

void Report::target(const std::string& name, const std::string& op, double threshold) {
  auto found = value(name);
  if (!found) return;
  bool met = op == ">=" ? *found >= threshold : *found <= threshold;
  targets_.push_back(
      {{"figure", name}, {"op", op}, {"threshold", threshold}, {"value", *found}, {"met", met}});
  if (output_ != Output::silent) {
    print(fmt::format("target {} {} {:g}: {} ({:.4g})", name, op, threshold,
                      met ? "met" : "NOT met", *found));
  }
}

void Report::add_point(const std::string& series, nlohmann::ordered_json point) {
  series_[series].push_back(std::move(point));
}

std::optional<double> Report::value(const std::string& name) const {
  for (const Figure& f : figures_) {
    if (f.name == name) return f.value;
  }
  return std::nullopt;
}

void Report::note(const std::string& line) const {
  std::fprintf(stderr, "ledger-bench: %s\n", line.c_str());
  std::fflush(stderr);
}

void Report::print(const std::string& line) const {
  // In JSON mode stdout carries only the document; the lines go to stderr as progress.
  std::FILE* out = output_ == Output::json ? stderr : stdout;
  std::fprintf(out, "%s\n", line.c_str());
  std::fflush(out);
}

void Report::print_json() const {
  nlohmann::ordered_json doc;
  doc["tool"] = "ledger-bench";
  doc["info"] = info_;
  nlohmann::ordered_json figures = nlohmann::ordered_json::object();
  for (const Figure& f : figures_) {
    figures[f.name] = {{"value", f.value}, {"unit", f.unit}, {"scenario", f.scenario}};
  }
  doc["figures"] = figures;
  doc["targets"] = targets_;
  doc["series"] = series_;
  std::printf("%s\n", doc.dump(2).c_str());
  std::fflush(stdout);
}

}  // namespace bench
