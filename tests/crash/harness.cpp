// Plumbing of the crash suite: see harness.h.
#include "harness.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef LEDGER_CRASH_ENGINE_FAILPOINTS
#define LEDGER_CRASH_ENGINE_FAILPOINTS ""
#endif

namespace crash {

TempDir::TempDir(const std::string& label) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                        "/ledger-crash-" + label + "-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern);
  path_ = buffer.data();
}

TempDir::~TempDir() {
  if (keep_) {
    std::fprintf(stderr, "kept the files of the failed run in %s\n", path_.c_str());
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::uint64_t test_seed(const char* test_name) {
  std::uint64_t seed = 0;
  if (const char* env = std::getenv("LEDGER_CRASH_SEED"); env != nullptr && *env != '\0') {
    seed = std::strtoull(env, nullptr, 0);
  } else {
    std::random_device device;
    seed = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }
  std::printf("[%s] seed = %llu (rerun with LEDGER_CRASH_SEED=%llu)\n", test_name,
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  return seed;
}

double budget_scale() {
  const char* env = std::getenv("LEDGER_CRASH_SCALE");
  if (env == nullptr || *env == '\0') return 1.0;
  double scale = std::strtod(env, nullptr);
  return scale > 0 ? scale : 1.0;
}

int scaled(int n, int minimum) {
  return std::max(minimum, static_cast<int>(n * budget_scale() + 0.5));
}

namespace {
std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  std::stringstream in(text);
  for (std::string name; std::getline(in, name, ',');) {
    if (!name.empty()) names.push_back(name);
  }
  return names;
}
}  // namespace

std::vector<std::string> engine_failpoints() { return split_names(LEDGER_CRASH_ENGINE_FAILPOINTS); }

std::vector<std::string> required_failpoints() {
  return {"transfer.after_key_check",
          "transfer.after_debit",
          "transfer.after_credit",
          "transfer.after_journal_append",
          "transfer.after_response_stored",
          "transfer.before_commit",
          "transfer.after_commit",
          "migrate.after_schema",
          "migrate.before_commit",
          "purge.after_update",
          "purge.before_commit"};
}

std::vector<std::string> required_mixed_failpoints() {
  std::vector<std::string> names;
  for (const char* op : {"reserve", "post", "void", "reverse"}) {
    names.push_back(std::string(op) + ".after_key_check");
    names.push_back(std::string(op) + ".after_response_stored");
  }
  for (const char* op : {"post", "reverse"}) {
    for (const char* step : {".after_debit", ".after_credit", ".after_journal_append"}) {
      names.push_back(op + std::string(step));
    }
  }
  for (const char* name :
       {"close.after_key_check", "close.after_closing_stored", "close.after_response_stored",
        "reserve.after_journal_append", "void.after_journal_append", "transfer.after_key_check",
        "transfer.after_response_stored", "transfer.before_commit", "transfer.after_commit"}) {
    names.emplace_back(name);
  }
  return names;
}

void sleep_ms(std::int64_t ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

std::int64_t monotonic_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::string ChildEnd::describe() const {
  if (timed_out) return "timed out (killed)";
  if (exited) return fmt::format("exited with code {}", exit_code);
  return fmt::format("killed by signal {} ({})", signal, ::strsignal(signal));
}

namespace {
ChildEnd end_from_status(int status) {
  ChildEnd end;
  if (WIFEXITED(status)) {
    end.exited = true;
    end.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    end.signal = WTERMSIG(status);
  }
  return end;
}
}  // namespace

Child::Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::fflush(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::unsetenv("LEDGER_FAILPOINT");
    for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
    ::execv(args[0], args.data());
    std::fprintf(stderr, "cannot run %s\n", args[0]);
    ::_exit(127);
  }
}

Child::~Child() {
  if (!reaped_ && pid_ > 0) {
    kill_now();
    ChildEnd ignored;
    while (!poll(ignored)) sleep_ms(1);
  }
}

bool Child::poll(ChildEnd& end) {
  if (reaped_) return true;
  int status = 0;
  pid_t got = ::waitpid(pid_, &status, WNOHANG);
  if (got != pid_) return false;
  reaped_ = true;
  end = end_from_status(status);
  return true;
}

ChildEnd Child::wait(std::int64_t timeout_ms) {
  ChildEnd end;
  std::int64_t deadline = monotonic_ms() + timeout_ms;
  while (!poll(end)) {
    if (monotonic_ms() > deadline) {
      kill_now();
      while (!poll(end)) sleep_ms(1);
      end.timed_out = true;
      return end;
    }
    sleep_ms(1);
  }
  return end;
}

bool Child::wait_stopped(std::int64_t timeout_ms, ChildEnd& end_if_ended) {
  std::int64_t deadline = monotonic_ms() + timeout_ms;
  while (monotonic_ms() <= deadline) {
    int status = 0;
    pid_t got = ::waitpid(pid_, &status, WNOHANG | WUNTRACED);
    if (got == pid_ && WIFSTOPPED(status)) return true;
    if (got == pid_) {
      reaped_ = true;
      end_if_ended = end_from_status(status);
      return false;
    }
    sleep_ms(1);
  }
  end_if_ended = wait(0);
  end_if_ended.timed_out = true;
  return false;
}

void Child::kill_now() {
  if (!reaped_ && pid_ > 0) ::kill(pid_, SIGKILL);
}

std::int64_t count_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::int64_t lines = 0;
  for (char c; in.get(c);) lines += c == '\n' ? 1 : 0;
  return lines;
}

}  // namespace crash
