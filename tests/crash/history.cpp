// Side files and histories: see history.h.
#include "history.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace crash {
namespace {

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string unhex(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out += static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16));
  }
  return out;
}

int open_append(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open side file " + path);
  return fd;
}

// One line per call, then fsync: a line is either whole or missing after a kill.
void append_line(int fd, const std::string& line) {
  std::string text = line + "\n";
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::fdatasync(fd) != 0) {
    throw std::runtime_error("cannot append to a side file");
  }
}

// The complete lines of a file: a line without its newline was cut by the kill.
std::vector<std::string> complete_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  return lines;
}

}  // namespace

SideFiles::SideFiles(const std::string& dir, const std::string& principal)
    : keys_fd_(open_append(dir + "/" + principal + ".keys")),
      acks_fd_(open_append(dir + "/" + principal + ".acks")) {}

SideFiles::~SideFiles() {
  ::close(keys_fd_);
  ::close(acks_fd_);
}

void SideFiles::attempt(std::int64_t index) { append_line(keys_fd_, std::to_string(index)); }

// `<index> <outcome> <body as hex> <outcome> <body as hex> ...`, one pair per key.
void SideFiles::ack(std::int64_t index, const std::vector<ledger::TransferResult>& results) {
  std::string line = std::to_string(index);
  for (const auto& result : results) {
    line += std::string(" ") + ledger::to_string(result.outcome) + " " + hex(result.body);
  }
  append_line(acks_fd_, line);
}

void record_attempt(StreamHistory& history, std::int64_t index) {
  for (std::int64_t seen : history.attempted) {
    if (seen == index) return;
  }
  history.attempted.push_back(index);
}

void record_ack(StreamHistory& history, std::int64_t index,
                const std::vector<ledger::TransferResult>& results) {
  std::vector<Ack> acks;
  for (const auto& result : results)
    acks.push_back(Ack{ledger::to_string(result.outcome), result.body});
  history.acked[index] = std::move(acks);
}

std::int64_t next_index(const StreamHistory& history) {
  std::int64_t next = 0;
  for (std::int64_t index : history.attempted) next = std::max(next, index + 1);
  return next;
}

StreamHistory load_history(const std::string& dir, const std::string& principal) {
  StreamHistory history;
  history.principal = principal;
  for (const std::string& line : complete_lines(dir + "/" + principal + ".keys")) {
    record_attempt(history, std::stoll(line));
  }
  for (const std::string& line : complete_lines(dir + "/" + principal + ".acks")) {
    std::istringstream in(line);
    std::int64_t index = 0;
    in >> index;
    std::vector<Ack> acks;
    for (Ack ack; in >> ack.outcome;) {
      std::string body_hex;
      in >> body_hex;
      ack.body = unhex(body_hex);
      acks.push_back(ack);
    }
    history.acked[index] = std::move(acks);
  }
  return history;
}

}  // namespace crash
