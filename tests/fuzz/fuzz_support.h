// Shared helpers of the fuzz targets that use real ledger files: a private scratch
// directory (in /dev/shm when possible: no disk I/O per execution), a fixed clock so that
// every execution of an input is identical, and a cheap summary of a ledger's state.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "ledger/ledger.h"

namespace fuzz {

// A directory of this process, removed at exit. (Held by a pointer that is never freed:
// the exit handler must outlive every static destructor.)
inline const std::string& scratch_dir(const char* name) {
  static const std::string* dir = [name] {
    std::filesystem::path base = "/dev/shm";
    if (::access(base.c_str(), W_OK) != 0) base = std::filesystem::temp_directory_path();
    auto path = base / ("ledger-fuzz-" + std::string(name) + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(*dir, ignored);
    });
    return new std::string(path.string());
  }();
  return *dir;
}

inline void remove_ledger_files(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    ::unlink((path + suffix).c_str());
  }
}

inline void write_bytes(const std::string& path, const std::uint8_t* data, std::size_t size) {
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  FUZZ_CHECK(fd >= 0);
  FUZZ_CHECK(size == 0 || ::write(fd, data, size) == static_cast<ssize_t>(size));
  ::close(fd);
}

inline std::string read_bytes(const std::string& path) {
  std::string bytes;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return bytes;
  char buffer[65536];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) bytes.append(buffer, n);
  ::close(fd);
  return bytes;
}

constexpr std::int64_t kFixedNowMs = 1'700'000'000'000;

// Options for fuzzing: a fixed clock (identical runs), no fsync (durability is the crash
// suite's business), no waiting for locks (nothing else runs).
inline ledger::Options fuzz_options() {
  ledger::Options options;
  options.durability = ledger::Durability::normal;
  options.busy_timeout_ms = 0;
  options.clock_ms = [] { return kFixedNowMs; };
  return options;
}

// What a call may change: balances, holds, journal rows and key records.
struct Summary {
  std::vector<std::pair<std::string, std::pair<std::int64_t, std::int64_t>>> accounts;
  std::int64_t journal_rows = 0;
  std::int64_t keys = 0;
  bool operator==(const Summary&) const = default;
};

inline Summary summarize(ledger::Ledger& book) {
  Summary summary;
  for (const ledger::Account& account : book.list_accounts()) {
    summary.accounts.push_back({account.code, {account.balance_minor, account.pending_minor}});
  }
  ledger::Stats stats = book.stats();
  summary.journal_rows = stats.journal_rows;
  summary.keys = stats.keys_issued + stats.keys_completed + stats.keys_expired;
  return summary;
}

}  // namespace fuzz
