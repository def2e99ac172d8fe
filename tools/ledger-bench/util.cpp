#include "util.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace bench {

KeyGen::KeyGen(std::uint64_t seed, std::uint64_t stream)
    : rng_(seed ^ (0x9e3779b97f4a7c15ULL * (stream + 1))) {}

Key16 KeyGen::bytes16() {
  Key16 key;
  for (std::size_t i = 0; i < key.size(); i += 8) {
    std::uint64_t word = rng_();
    for (std::size_t j = 0; j < 8; ++j) key[i + j] = static_cast<unsigned char>(word >> (8 * j));
  }
  return key;
}

namespace {

std::string uuid_text(Key16 b, unsigned version) {
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | (version << 4));
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(kHex[b[i] >> 4]);
    text.push_back(kHex[b[i] & 0x0f]);
  }
  return text;
}

}  // namespace

std::string KeyGen::uuid_v4() { return uuid_text(bytes16(), 4); }

std::string KeyGen::uuid_v7(std::int64_t unix_ms) {
  Key16 b = bytes16();
  const auto ms = static_cast<std::uint64_t>(unix_ms);
  for (std::size_t i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  return uuid_text(b, 7);
}

std::uint64_t KeyGen::below(std::uint64_t n) {
  return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_);
}

double quantile(std::vector<double>& samples, double q) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
  return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
}

double current_rss_mib() {
  long pages_total = 0;
  long pages_resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  int got = std::fscanf(f, "%ld %ld", &pages_total, &pages_resident);
  std::fclose(f);
  if (got != 2) return 0;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
         (1024.0 * 1024.0);
}

double peak_rss_mib() {
  // VmHWM: the peak of this address space, i.e. since exec. getrusage's ru_maxrss also
  // counts the parent's pages a child shared between fork and exec, so a scale child
  // started by a parent that had just replayed with 8 page caches reported their 300 MiB.
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  long kib = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
  }
  std::fclose(f);
  return static_cast<double>(kib) / 1024.0;
}

std::string size_label(std::int64_t n) {
  auto trimmed = [](double v, const char* suffix) {
    std::string text = fmt::format("{:.1f}", v);
    if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0)
      text.resize(text.size() - 2);
    return text + suffix;
  };
  if (n >= 1'000'000) return trimmed(static_cast<double>(n) / 1e6, "M");
  if (n >= 1'000) return trimmed(static_cast<double>(n) / 1e3, "k");
  return std::to_string(n);
}

}  // namespace bench
