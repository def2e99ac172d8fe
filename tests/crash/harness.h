// Plumbing shared by the crash tests and the soak driver: temporary directories, seeds,
// the CI budget, and child processes that can be killed, stopped and waited for.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace crash {

// A fresh directory under $TMPDIR (or /tmp), removed on destruction unless kept, so that
// the files of a failed run stay around for a post-mortem.
class TempDir {
 public:
  explicit TempDir(const std::string& label);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

// LEDGER_CRASH_SEED if set, else a random seed; either way printed with how to reuse it.
[[nodiscard]] std::uint64_t test_seed(const char* test_name);

// How much work the bounded (CI) runs do, from LEDGER_CRASH_SCALE: 1.0 for the normal
// build, smaller under sanitizers (CMake sets it), larger for a local deep run.
[[nodiscard]] double budget_scale();
[[nodiscard]] int scaled(int n, int minimum = 1);

// Whether the engine was built with LEDGER_FAILPOINTS (the target passes the define on).
[[nodiscard]] constexpr bool failpoints_enabled() {
#ifdef LEDGER_FAILPOINTS
  return true;
#else
  return false;
#endif
}

// The failpoint names placed in src/ (found by CMake at configure time).
[[nodiscard]] std::vector<std::string> engine_failpoints();
// The failpoints issue 4 requires; each must be among engine_failpoints().
[[nodiscard]] std::vector<std::string> required_failpoints();
// The failpoints of the operations of issue 7 (reserve, post, void, reverse; batches run
// the transfer path's), which the mixed workload must reach.
[[nodiscard]] std::vector<std::string> required_mixed_failpoints();

void sleep_ms(std::int64_t ms);
[[nodiscard]] std::int64_t monotonic_ms();

// How a child process ended.
struct ChildEnd {
  bool exited = false;
  int exit_code = 0;
  int signal = 0;  // the signal that killed it, if !exited
  bool timed_out = false;
  [[nodiscard]] std::string describe() const;
};

// A child process running `argv` (argv[0] is the executable) with `env` added to ours and
// core dumps off (abort() is one of the crashes we cause on purpose).
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env);
  ~Child();  // kills and reaps a child still running
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  // Waits up to `timeout_ms` for the child to end; kills it with SIGKILL past that.
  ChildEnd wait(std::int64_t timeout_ms);
  // Waits up to `timeout_ms` for the child to stop (SIGSTOP) or end; true if it stopped.
  bool wait_stopped(std::int64_t timeout_ms, ChildEnd& end_if_ended);
  // True if the child has ended (it is then reaped and `end` says how).
  bool poll(ChildEnd& end);
  void kill_now();

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// Lines in a file (0 if it does not exist): how far a child's side file got.
[[nodiscard]] std::int64_t count_lines(const std::string& path);

}  // namespace crash
