// Everything ledgerctl prints: stdout writes that notice a closed pipe, JSON documents,
// aligned tables, timestamps, and text made safe for a terminal.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ledgerctl {

// Writes `text` to stdout. Throws CliError (exit 4) when stdout cannot be written (a
// closed pipe, a full disk), so a truncated export never looks like a complete one.
void print_out(std::string_view text);
// print_out(text + "\n").
void print_line(std::string_view text);
// Writes one line to stderr; never throws (there is nowhere left to report to).
void print_err_line(std::string_view text) noexcept;
// Flushes stdout; throws like print_out.
void flush_out();

// The compact text of `document`. Invalid UTF-8 in stored strings (an account name, a
// memo) is replaced by U+FFFD rather than aborting the whole document.
[[nodiscard]] std::string dump_json(const nlohmann::ordered_json& document);
// Prints `document` as one line: one JSON document per call.
void print_json(const nlohmann::ordered_json& document);

// `text` with control characters escaped (\n, \t, \x1b, ...), so that a memo or a name
// cannot break a table row, a one-line error message or the terminal.
[[nodiscard]] std::string one_line(std::string_view text);

// "1 journal row", "2 journal rows": `count` and `noun`, with an s unless count is 1.
[[nodiscard]] std::string counted(std::int64_t count, std::string_view noun);

// Unix epoch milliseconds as ISO 8601 UTC with milliseconds: 2024-05-01T12:00:00.000Z.
[[nodiscard]] std::string format_time_ms(std::int64_t epoch_ms);
// The same for an optional time: null when absent.
[[nodiscard]] nlohmann::ordered_json time_json(const std::optional<std::int64_t>& epoch_ms);

// A text table with a header row; columns are separated by two spaces and padded to the
// widest cell. Cells pass through one_line().
class Table {
 public:
  enum class Align { left, right };
  struct Column {
    std::string header;
    Align align = Align::left;
  };

  explicit Table(std::vector<Column> columns);
  // REQUIRES: cells.size() equals the number of columns (else throws std::logic_error).
  void add_row(std::vector<std::string> cells);
  void print() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// Prints "label:  value" lines with the values aligned, e.g. `account show`.
void print_fields(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace ledgerctl
