#include "output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "cli.h"

namespace ledgerctl {
namespace {

[[noreturn]] void throw_write_error(int error_number) {
  throw CliError(kExitTransient,
                 fmt::format("could not write to standard output ({}): the output is "
                             "incomplete; run the command again (a transfer replays its "
                             "stored response)",
                             std::strerror(error_number)));
}

// Columns a cell takes on a terminal: UTF-8 continuation bytes take none. (Wide CJK
// characters are rare in codes and names; they only cost the alignment of their row.)
std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string pad(std::string_view text, std::size_t width, Table::Align align) {
  const std::size_t used = display_width(text);
  const std::string fill(width > used ? width - used : 0, ' ');
  return align == Table::Align::left ? std::string(text) + fill : fill + std::string(text);
}

std::string trim_right(std::string text) {
  text.erase(text.find_last_not_of(' ') + 1);
  return text;
}

}  // namespace

void print_out(std::string_view text) {
  if (text.empty()) return;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) throw_write_error(errno);
}

void print_line(std::string_view text) {
  print_out(text);
  print_out("\n");
}

void print_err_line(std::string_view text) noexcept {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

void flush_out() {
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) throw_write_error(errno);
}

std::string dump_json(const nlohmann::ordered_json& document) {
  return document.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void print_json(const nlohmann::ordered_json& document) { print_line(dump_json(document)); }

std::string counted(std::int64_t count, std::string_view noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_time_ms(std::int64_t epoch_ms) {
  // Floor division, so that times before 1970 still print their true millisecond.
  std::int64_t seconds = epoch_ms / 1000;
  std::int64_t millis = epoch_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  const auto as_time_t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  if (gmtime_r(&as_time_t, &utc) == nullptr) return fmt::format("@{}ms", epoch_ms);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

nlohmann::ordered_json time_json(const std::optional<std::int64_t>& epoch_ms) {
  if (!epoch_ms) return nullptr;
  return format_time_ms(*epoch_ms);
}

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::add_row(std::vector<std::string> cells) {
  // A programmer error, checked in every build: run() reports it as a bug (exit 5).
  if (cells.size() != columns_.size()) {
    throw std::logic_error(
        fmt::format("table row has {} cells for {} columns", cells.size(), columns_.size()));
  }
  for (auto& cell : cells) cell = one_line(cell);
  rows_.push_back(std::move(cells));
}

void Table::print() const {
  std::vector<std::size_t> widths;
  for (const auto& column : columns_) widths.push_back(display_width(column.header));
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  const auto print_row = [&](auto cell_at) {
    std::string line;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) line += "  ";
      line += pad(cell_at(i), widths[i], columns_[i].align);
    }
    print_line(trim_right(std::move(line)));
  };
  print_row([&](std::size_t i) -> std::string_view { return columns_[i].header; });
  for (const auto& row : rows_) {
    print_row([&](std::size_t i) -> std::string_view { return row[i]; });
  }
}

void print_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::size_t width = 0;
  for (const auto& [label, value] : fields) width = std::max(width, label.size() + 1);
  for (const auto& [label, value] : fields) {
    print_line(trim_right(fmt::format("{:<{}}  {}", label + ":", width, one_line(value))));
  }
}

}  // namespace ledgerctl
