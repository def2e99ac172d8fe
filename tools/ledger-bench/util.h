// Small helpers shared by the scenarios: random keys, timing loops, percentiles, RSS.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;
using Key16 = std::array<unsigned char, 16>;

[[nodiscard]] inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Random keys. Each process seeds its own generator (seed, stream) so that runs are
// reproducible and parallel children never draw the same keys.
class KeyGen {
 public:
  explicit KeyGen(std::uint64_t seed, std::uint64_t stream = 0);
  [[nodiscard]] Key16 bytes16();
  // A random (version 4) UUID in its 36-character text form: what a Stripe-style client
  // sends as its idempotency key.
  [[nodiscard]] std::string uuid_v4();
  // A time-ordered (version 7, RFC 9562) UUID: 48 bits of unix milliseconds, then 74
  // random bits. What RFC 9562 recommends for keys a database indexes: new keys land at the
  // right edge of the index instead of on a random page.
  [[nodiscard]] std::string uuid_v7(std::int64_t unix_ms);
  // Uniform in [0, n). REQUIRES: n > 0.
  [[nodiscard]] std::uint64_t below(std::uint64_t n);

 private:
  std::mt19937_64 rng_;
};

// A copy of `items` in a random order, each copied afresh (so a request's strings are
// allocated in that order too). Each side of the replay scenario walks its copy from start
// to end: the database sees random keys, while the caller's own inputs stream through the
// CPU cache as a till's freshly built retry would. Picking at random from the
// booking-order vector instead made every engine replay miss the cache on a 200-byte
// request and its key string scattered over 20 MB, where bare SQLite's 16-byte keys sit
// in 1.6 MB.
template <typename Item>
std::vector<Item> shuffled_copy(const std::vector<Item>& items, KeyGen& keys) {
  std::vector<std::size_t> order(items.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[keys.below(i)]);
  std::vector<Item> copy;
  copy.reserve(items.size());
  for (std::size_t i : order) copy.push_back(items[i]);
  return copy;
}

// Walks the indexes of `size` items round and round from `start`: how the replay scenario
// goes through its shuffled copies.
class Cycle {
 public:
  explicit Cycle(std::size_t size, std::size_t start = 0) : size_(size), next_(start % size) {}
  std::size_t next() {
    std::size_t at = next_;
    next_ = next_ + 1 == size_ ? 0 : next_ + 1;
    return at;
  }

 private:
  std::size_t size_;
  std::size_t next_;
};

// What a timed loop did: items done (transfers, rows, lookups) and the seconds it took.
struct Throughput {
  std::int64_t items = 0;
  double seconds = 0;
  [[nodiscard]] double rate() const {
    return seconds > 0 ? static_cast<double>(items) / seconds : 0;
  }
  Throughput& operator+=(const Throughput& other) {
    items += other.items;
    seconds += other.seconds;
    return *this;
  }
};

// Calls `op` (which returns the number of items it did) until `seconds` have passed,
// and at least once.
template <typename Op>
Throughput run_for(double seconds, Op&& op) {
  Throughput done;
  const auto start = Clock::now();
  do {
    done.items += op();
    done.seconds = seconds_since(start);
  } while (done.seconds < seconds);
  return done;
}

// Runs `work(i)` for every i in [0, count), each on its own thread, all at once. Returns
// the sum of what they return (items done) and the wall time from the first start to the
// last end. After all have ended, rethrows the exception of the first thread that threw.
template <typename Work>
Throughput run_in_threads(std::size_t count, Work&& work) {
  std::vector<std::int64_t> items(count, 0);
  std::vector<std::exception_ptr> errors(count);
  std::vector<std::thread> threads;
  threads.reserve(count);
  const auto start = Clock::now();
  for (std::size_t i = 0; i < count; ++i) {
    threads.emplace_back([&, i] {
      try {
        items[i] = work(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  Throughput done;
  done.seconds = seconds_since(start);
  for (std::size_t i = 0; i < count; ++i) {
    if (errors[i]) std::rethrow_exception(errors[i]);
    done.items += items[i];
  }
  return done;
}

// The q-quantile (0 <= q <= 1) of `samples` by the nearest-rank method; sorts them.
[[nodiscard]] double quantile(std::vector<double>& samples, double q);

// Resident set size of this process now, and its peak since exec (VmHWM), in MiB.
[[nodiscard]] double current_rss_mib();
[[nodiscard]] double peak_rss_mib();

// "10k", "1M", "2.5M": the label of a ledger size in figure names.
[[nodiscard]] std::string size_label(std::int64_t n);

}  // namespace bench
