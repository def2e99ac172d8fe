// See crash.h. The child is this executable re-executed (fork + exec of /proc/self/exe),
// so it starts with a clean SQLite state and its own connection: SQLite connections must
// not be carried across fork(). The child tells the parent, through a pipe on fd 3, when
// it is about to call transfer() ('R') and when transfer() has returned ('D').
#include "crash.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace pos_sim {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kChildFd = 3;              // the child's end of the pipe
constexpr int kChildArgs = 11;           // argv size in child mode
constexpr int kReadyTimeoutMs = 30'000;  // a child that is not ready by then is broken

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::vector<std::string> child_args(const std::string& db_path, ledger::Durability durability,
                                    const ledger::TransferRequest& r) {
  return {"pos-sim",
          kChildFlag,
          db_path,
          durability == ledger::Durability::full ? "full" : "normal",
          r.principal,
          r.key,
          r.debit_account,
          r.credit_account,
          std::to_string(r.amount_minor),
          r.currency,
          r.memo};
}

pid_t spawn_child(std::vector<std::string>& args, int write_fd) {
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    if (write_fd == kChildFd) {
      ::fcntl(kChildFd, F_SETFD, 0);
    } else {
      ::dup2(write_fd, kChildFd);
    }
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits up to `timeout_us` for one byte from `fd`. Returns the byte, or 0 on timeout or
// end of file (the child died).
char read_byte(int fd, std::int64_t timeout_us) {
  const auto deadline = Clock::now() + std::chrono::microseconds(timeout_us);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now());
    timespec ts{};
    if (left.count() > 0) {
      ts.tv_sec = static_cast<time_t>(left.count() / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(left.count() % 1'000'000'000);
    }
    pollfd pfd{fd, POLLIN, 0};
    const int n = ::ppoll(&pfd, 1, &ts, nullptr);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("ppoll");
    if (n == 0) return 0;
    char c = 0;
    const ssize_t got = ::read(fd, &c, 1);
    if (got < 0 && errno == EINTR) continue;
    return got == 1 ? c : 0;
  }
}

int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw_errno("waitpid");
  }
  return status;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("signal {}", WTERMSIG(status));
  return "unknown status";
}

}  // namespace

void run_and_kill(const std::string& db_path, ledger::Durability durability,
                  const ledger::TransferRequest& request, std::int64_t delay_us) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
  auto args = child_args(db_path, durability, request);
  pid_t pid = -1;
  try {
    pid = spawn_child(args, fds[1]);
  } catch (...) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw;
  }
  ::close(fds[1]);
  const bool entered = read_byte(fds[0], kReadyTimeoutMs * 1000LL) == 'R';
  if (entered) {
    // Sleep for the delay, but wake up if transfer() returns first: then the process dies
    // after the commit and before its reply reaches anyone.
    (void)read_byte(fds[0], delay_us);
  }
  ::kill(pid, SIGKILL);
  const int status = reap(pid);
  ::close(fds[0]);
  if (!entered) {
    throw std::runtime_error("the child process failed before calling transfer() (" +
                             describe_status(status) + "); see its message above");
  }
}

namespace {

void tell_parent(char c) {
  // If the parent is gone there is nobody to tell; the outcome is the same.
  if (::write(kChildFd, &c, 1) != 1) ::_exit(4);
}

ledger::TransferRequest request_from_args(char** argv) {
  ledger::TransferRequest r;
  r.principal = argv[4];
  r.key = argv[5];
  r.debit_account = argv[6];
  r.credit_account = argv[7];
  const std::string amount = argv[8];
  const auto [end, ec] =
      std::from_chars(amount.data(), amount.data() + amount.size(), r.amount_minor);
  if (ec != std::errc{} || end != amount.data() + amount.size()) {
    throw std::invalid_argument("bad amount: " + amount);
  }
  r.currency = argv[9];
  r.memo = argv[10];
  return r;
}

}  // namespace

int child_main(int argc, char** argv) {
  if (argc != kChildArgs) {
    fmt::print(stderr, "pos-sim: {} is for pos-sim's own use\n", kChildFlag);
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  try {
    ledger::Options options;
    options.create_if_missing = false;
    options.durability =
        std::strcmp(argv[3], "normal") == 0 ? ledger::Durability::normal : ledger::Durability::full;
    auto ledger = ledger::Ledger::open(argv[2], options);
    const auto request = request_from_args(argv);
    tell_parent('R');
    const auto result = ledger.transfer(request);
    (void)result;  // the reply dies with this process: nobody will ever read it
    tell_parent('D');
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "pos-sim (child process): {}\n", e.what());
    return 3;
  }
}

}  // namespace pos_sim
