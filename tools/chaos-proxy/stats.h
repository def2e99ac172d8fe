// The proxy's counts of what it did to each request burst, shared by every connection
// thread and written as one JSON object to the --stats file.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace chaos {

// Every request burst is counted in `requests` and in exactly one of `forwarded`,
// `dropped_request`, `cut`, `dropped_reply`; `delayed_request` and `delayed_reply` count
// the forwarded bursts that were delayed. The other fields count connections, not bursts.
struct FaultCounts {
  std::atomic<std::uint64_t> connections{0};           // client connections accepted
  std::atomic<std::uint64_t> upstream_unavailable{0};  // client closed: server refused
  std::atomic<std::uint64_t> upstream_closed{0};       // server closed with a request unanswered
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> forwarded{0};  // passed on both ways, perhaps with a delay
  std::atomic<std::uint64_t> dropped_request{0};
  std::atomic<std::uint64_t> cut{0};
  std::atomic<std::uint64_t> dropped_reply{0};
  std::atomic<std::uint64_t> delayed_request{0};
  std::atomic<std::uint64_t> delayed_reply{0};
};

// The counts as one line of JSON, e.g. {"cut":3,"connections":9,...}.
std::string counts_json(const FaultCounts& counts);

// Replaces `path` with the counts, atomically (a temporary file renamed over it), so
// that a reader never sees half a file. Returns false if it could not be written.
bool write_counts(const FaultCounts& counts, const std::string& path);

}  // namespace chaos
