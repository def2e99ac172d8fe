// What a stream attempted and what it was told: kept in fsync'd side files by a child
// process that may be killed, or in memory by in-process scenarios.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ledger/types.h"

namespace crash {

// The answer to one key.
struct Ack {
  std::string outcome;
  std::string body;
};

struct StreamHistory {
  std::string principal;
  std::vector<std::int64_t> attempted;  // operation indices, first-attempt order, no duplicates
  // The answers to an operation, one per key (op_keys order); an expiry sweep has none.
  std::map<std::int64_t, std::vector<Ack>> acked;
};

// Side files of a child process: `<dir>/<principal>.keys` gets the index of each operation
// before it is attempted and `<dir>/<principal>.acks` the answers after, all of an
// operation's keys on one line; both are fsync'd so that what the parent reads is at least
// what the child knew when it died (a batch's answers are there for all its keys or none).
class SideFiles {
 public:
  SideFiles(const std::string& dir, const std::string& principal);
  ~SideFiles();
  SideFiles(const SideFiles&) = delete;
  SideFiles& operator=(const SideFiles&) = delete;
  void attempt(std::int64_t index);
  void ack(std::int64_t index, const std::vector<ledger::TransferResult>& results);

 private:
  int keys_fd_ = -1;
  int acks_fd_ = -1;
};

[[nodiscard]] StreamHistory load_history(const std::string& dir, const std::string& principal);
// Adds an attempt to a history kept in memory (in-process scenarios need no files).
void record_attempt(StreamHistory& history, std::int64_t index);
// Adds the answers to an operation to a history kept in memory.
void record_ack(StreamHistory& history, std::int64_t index,
                const std::vector<ledger::TransferResult>& results);
// The next operation index of a stream: one past the last attempted.
[[nodiscard]] std::int64_t next_index(const StreamHistory& history);

}  // namespace crash
