#include "batch_input.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "cli.h"
#include "input.h"
#include "ledger/ledger.h"
#include "output.h"

namespace ledgerctl {
namespace {

using json = nlohmann::json;

constexpr std::array<const char*, 6> kRequiredFields = {"principal", "key",    "from",
                                                        "to",        "amount", "currency"};
constexpr const char* kExampleLine =
    R"({"principal":"till:7","key":"sale-1001","from":"customer:42","to":"till:7",)"
    R"("amount":"12.34","currency":"EUR","memo":"receipt 1001"})";

// A problem with one line; read_batch turns it into a CliError naming the line.
struct LineProblem {
  std::string what;
};

// Text from the input, shown in a message: escaped and cut short.
std::string shown(std::string_view text, std::size_t max_bytes = 60) {
  return text.size() <= max_bytes ? one_line(text) : one_line(text.substr(0, max_bytes)) + "...";
}

// Lines of a FILE*, each at most kBatchMaxLineBytes, all at most kBatchMaxInputBytes: a
// bounded reader, so that a file without line breaks cannot fill the memory.
class LineReader {
 public:
  LineReader(std::FILE* file, std::string name) : file_(file), name_(std::move(name)) {}

  // The next line without its '\n' (and a '\r' before it); false at the end of the input.
  bool next(std::string& line) {
    line.clear();
    bool started = false;
    for (;;) {
      if (position_ == size_ && !fill()) return started;  // a last line without '\n' counts
      started = true;
      const char* begin = buffer_.data() + position_;
      const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', size_ - position_));
      const std::size_t take =
          newline ? static_cast<std::size_t>(newline - begin) : size_ - position_;
      if (line.size() + take > kBatchMaxLineBytes) {
        throw LineProblem{
            fmt::format("the line is longer than {} bytes: a batch line is one "
                        "transfer (a few hundred bytes)",
                        kBatchMaxLineBytes)};
      }
      line.append(begin, take);
      position_ += take;
      if (newline) {
        ++position_;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return true;
      }
    }
  }

 private:
  bool fill() {
    size_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
    position_ = 0;
    if (size_ == 0) {
      if (std::ferror(file_)) {
        throw CliError(kExitUsage, fmt::format("could not read {} ({}): check the file and run "
                                               "the batch again; nothing was stored",
                                               name_, std::strerror(errno)));
      }
      return false;
    }
    total_ += size_;
    if (total_ > kBatchMaxInputBytes) {
      throw CliError(kExitUsage, fmt::format("{} is larger than {} MiB: split it into several "
                                             "batches; nothing was stored",
                                             name_, kBatchMaxInputBytes >> 20));
    }
    return true;
  }

  std::FILE* file_;
  std::string name_;
  std::array<char, 65536> buffer_{};
  std::size_t size_ = 0;
  std::size_t position_ = 0;
  std::size_t total_ = 0;
};

// Parses one line into a JSON object, refusing repeated fields (which one would count?)
// and nested values (every field is a string) while parsing.
json parse_object(const std::string& text) {
  std::set<std::string> seen;
  std::string last_key;
  const json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth == 1 && event == json::parse_event_t::key) {
      last_key = parsed.get<std::string>();
      if (!seen.insert(last_key).second) {
        throw LineProblem{fmt::format("field \"{}\" appears twice", shown(last_key))};
      }
    }
    if (depth >= 1 &&
        (event == json::parse_event_t::object_start || event == json::parse_event_t::array_start)) {
      throw LineProblem{fmt::format("field \"{}\" must be a string", shown(last_key))};
    }
    return true;
  };
  json value;
  try {
    value = json::parse(text, check);
  } catch (const json::parse_error& error) {
    // "[json.exception.parse_error.101] parse error at line 1, column 7: ..." -> "column 7: ..."
    std::string_view what = error.what();
    if (const auto at = what.find("column "); at != std::string_view::npos) what = what.substr(at);
    throw LineProblem{fmt::format("not valid JSON ({})", shown(what, 160))};
  }
  if (!value.is_object()) throw LineProblem{"not a JSON object"};
  return value;
}

std::string string_field(const json& object, const char* name) {
  const auto found = object.find(name);
  if (found == object.end()) {
    throw LineProblem{fmt::format("missing field \"{}\"", name)};
  }
  if (!found->is_string()) {
    throw LineProblem{found->is_number() && std::string_view(name) == "amount"
                          ? std::string("field \"amount\" must be a decimal string such as "
                                        "\"12.34\", not a JSON number (numbers can lose cents)")
                          : fmt::format("field \"{}\" must be a string", name)};
  }
  return found->get<std::string>();
}

ledger::TransferRequest request_from(const json& object) {
  for (const auto& [name, value] : object.items()) {
    const bool known = name == "memo" || std::find(kRequiredFields.begin(), kRequiredFields.end(),
                                                   name) != kRequiredFields.end();
    if (!known) {
      throw LineProblem{
          fmt::format("unknown field \"{}\" (the fields are principal, key, from, "
                      "to, amount, currency and optionally memo)",
                      shown(name))};
    }
  }
  ledger::TransferRequest request;
  request.principal = string_field(object, "principal");
  request.key = string_field(object, "key");
  request.debit_account = string_field(object, "from");
  request.credit_account = string_field(object, "to");
  request.currency = string_field(object, "currency");
  const std::string amount = string_field(object, "amount");
  if (object.contains("memo")) request.memo = string_field(object, "memo");
  try {
    const int exponent = currency_exponent_or_throw(request.currency);
    request.amount_minor = parse_money("amount", amount, request.currency, exponent);
  } catch (const CliError& error) {
    throw LineProblem{error.what()};
  }
  return request;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

// The input file, closed on the way out (standard input is left open).
struct Input {
  std::FILE* file = nullptr;
  std::string name;
  ~Input() {
    if (file != nullptr && file != stdin) std::fclose(file);
  }
};

void open_input(const std::string& path, Input& input) {
  if (path == "-") {
    std::clearerr(stdin);  // an earlier run() in this process may have read it to the end
    input.file = stdin;
    input.name = "standard input";
    return;
  }
  input.name = one_line(path);
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw CliError(kExitUsage, fmt::format("{} is a directory: give a JSON Lines file, or - to "
                                           "read standard input",
                                           input.name));
  }
  input.file = std::fopen(path.c_str(), "rb");
  if (input.file == nullptr) {
    throw CliError(kExitUsage, fmt::format("cannot open batch file {} ({}): check the path, or "
                                           "give - to read standard input",
                                           input.name, std::strerror(errno)));
  }
}

}  // namespace

std::vector<BatchItem> read_batch(const std::string& path) {
  Input input;
  open_input(path, input);
  LineReader reader(input.file, input.name);
  std::vector<BatchItem> items;
  std::string line;
  std::int64_t number = 0;
  try {
    for (number = 1; reader.next(line); ++number) {
      if (is_blank(line)) continue;
      if (items.size() == kBatchMaxItems) {
        throw LineProblem{
            fmt::format("more than {} transfers: split the input into several "
                        "batches",
                        kBatchMaxItems)};
      }
      items.push_back({number, request_from(parse_object(line))});
      // The engine's own field rules (e.g. a NUL in a memo), so that a bad line is named
      // here and the batch never reaches the ledger.
      if (auto malformed = ledger::check_request(items.back().request)) {
        throw LineProblem{malformed->message};
      }
    }
  } catch (const LineProblem& problem) {
    throw CliError(kExitUsage, fmt::format("{} line {}: {}; nothing was stored: fix the line "
                                           "and run the batch again",
                                           input.name, number, problem.what));
  }
  if (items.empty()) {
    throw CliError(kExitUsage, fmt::format("{} has no transfers: give one JSON object per line, "
                                           "e.g. {}",
                                           input.name, kExampleLine));
  }
  return items;
}

}  // namespace ledgerctl
