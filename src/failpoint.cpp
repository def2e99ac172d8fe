// Failpoint runtime: parses LEDGER_FAILPOINT once and kills the process when the armed
// point is hit for the Nth time. Only compiled into the engine with LEDGER_FAILPOINTS.
//
// Actions: abort (SIGABRT), exit (_exit(77)), sigkill (SIGKILL on itself), and stop:
// the process sends itself SIGSTOP and stays frozen exactly where it is (e.g. holding
// the write lock at transfer.before_commit) until its parent continues or kills it. The
// crash suite uses `stop` to kill a writer at a known instant while other processes wait.
//
// LEDGER_FAILPOINT_TRACE=<file> appends the name of every failpoint reached to <file>, one
// a line, armed or not: the crash suite learns from it which failpoints its workload
// reaches (including names built at run time) and sweeps exactly those.
#include "failpoint.h"

#ifdef LEDGER_FAILPOINTS
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ledger::detail {
namespace {

enum class Action { none, abort_process, exit_process, sigkill, stop, throw_exception };

struct Armed {
  std::string name;
  Action action = Action::none;
  long nth = 1;
};

// A misspelt spec must not silently arm nothing: the crash test that set it would then
// pass without ever crashing. Refusing loudly makes the typo visible at the first hit.
[[noreturn]] void refuse(const char* spec) {
  std::fprintf(stderr, "LEDGER_FAILPOINT='%s' is not <name>:<abort|exit|sigkill|stop|throw>[:<nth>]\n",
               spec);
  ::_exit(2);
}

Armed parse_armed() {
  Armed armed;
  const char* spec = std::getenv("LEDGER_FAILPOINT");
  if (spec == nullptr || *spec == '\0') return armed;
  std::string text(spec);
  auto first = text.find(':');
  if (first == std::string::npos) refuse(spec);
  auto second = text.find(':', first + 1);
  armed.name = text.substr(0, first);
  std::string action =
      text.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
  if (second != std::string::npos) armed.nth = std::max(1L, std::atol(text.c_str() + second + 1));
  if (action == "abort") armed.action = Action::abort_process;
  if (action == "exit") armed.action = Action::exit_process;
  if (action == "sigkill") armed.action = Action::sigkill;
  if (action == "stop") armed.action = Action::stop;
  if (action == "throw") armed.action = Action::throw_exception;
  if (armed.action == Action::none) refuse(spec);
  return armed;
}

void trace(const char* name) {
  static const char* const path = std::getenv("LEDGER_FAILPOINT_TRACE");
  if (path == nullptr || *path == '\0') return;
  int fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return;
  std::string line = std::string(name) + "\n";
  [[maybe_unused]] ssize_t written = ::write(fd, line.data(), line.size());
  ::close(fd);
}

}  // namespace

void failpoint(const char* name) {
  trace(name);
  static const Armed armed = parse_armed();
  static std::atomic<long> hits{0};
  if (armed.action == Action::none || armed.name != name) return;
  if (hits.fetch_add(1) + 1 != armed.nth) return;
  switch (armed.action) {
    case Action::abort_process:
      std::abort();
    case Action::exit_process:
      ::_exit(77);
    case Action::sigkill:
      ::kill(::getpid(), SIGKILL);
      ::_exit(78);
    case Action::stop:
      ::raise(SIGSTOP);
      return;
    case Action::throw_exception:
      throw std::runtime_error(std::string("failpoint ") + name + " threw");
    case Action::none:
      return;
  }
}

}  // namespace ledger::detail
#endif
