#include "child.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <sstream>
#include <stdexcept>

namespace bench {
namespace {

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

std::string read_all(int fd) {
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

// One line per figure: scenario, name, value, unit, decimals, tab-separated; "!" + message
// for an error.
std::string serialize(const Report& report) {
  std::string text;
  for (const Figure& f : report.figures()) {
    text +=
        fmt::format("{}\t{}\t{:.17g}\t{}\t{}\n", f.scenario, f.name, f.value, f.unit, f.decimals);
  }
  return text;
}

void parse_line(const std::string& line, ChildResult& result) {
  if (line.empty()) return;
  if (line[0] == '!') {
    result.error = line.substr(1);
    return;
  }
  std::istringstream in(line);
  Figure f;
  std::string value;
  std::string decimals;
  std::getline(in, f.scenario, '\t');
  std::getline(in, f.name, '\t');
  std::getline(in, value, '\t');
  std::getline(in, f.unit, '\t');
  std::getline(in, decimals, '\t');
  f.value = std::stod(value);
  f.decimals = std::stoi(decimals);
  result.figures.push_back(f);
}

int run_and_send(const std::function<void(Report&)>& body, int fd) {
  Report report(Output::silent);
  try {
    body(report);
    write_all(fd, serialize(report));
    return 0;
  } catch (const std::exception& e) {
    std::string message = e.what();
    for (char& c : message) {
      if (c == '\n') c = ' ';
    }
    write_all(fd, serialize(report) + "!" + message + "\n");
    return 1;
  }
}

[[noreturn]] void child_main(const std::function<void(Report&)>& body, int fd) {
  int status = run_and_send(body, fd);
  ::close(fd);
  std::_Exit(status);  // no atexit handlers, no stdio flush of the parent's buffers
}

}  // namespace

double ChildResult::value(const std::string& name) const {
  for (const Figure& f : figures) {
    if (f.name == name) return f.value;
  }
  return 0;
}

Child start_child(const std::function<void(Report&)>& body) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    ::close(fds[0]);
    child_main(body, fds[1]);
  }
  ::close(fds[1]);
  return Child{pid, fds[0]};
}

ChildResult run_exec_child(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string self = "/proc/self/exe";
  argv.push_back(self.data());
  std::vector<std::string> copies = args;
  for (std::string& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[1]);
    ::execv(argv[0], argv.data());
    std::fprintf(stderr, "ledger-bench: cannot run %s: %s\n", argv[0], std::strerror(errno));
    std::_Exit(127);
  }
  ::close(fds[1]);
  return finish_child(Child{pid, fds[0]});
}

int serve_as_child(const std::function<void(Report&)>& body) {
  return run_and_send(body, STDOUT_FILENO);
}

ChildResult finish_child(Child child) {
  ChildResult result;
  std::istringstream lines(read_all(child.fd));
  ::close(child.fd);
  for (std::string line; std::getline(lines, line);) parse_line(line, result);
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (result.error.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    result.error = WIFSIGNALED(status) ? fmt::format("killed by signal {}", WTERMSIG(status))
                                       : fmt::format("exit status {}", WEXITSTATUS(status));
  }
  return result;
}

}  // namespace bench
