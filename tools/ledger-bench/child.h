// Runs a piece of a scenario in a forked child process, so that it has its own SQLite
// connections (contention), its own peak RSS (scale), and cannot disturb the parent.
// The child sends its figures back through a pipe.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "report.h"

namespace bench {

struct Child {
  pid_t pid = -1;
  int fd = -1;  // read end of the pipe carrying the child's figures
};

struct ChildResult {
  std::vector<Figure> figures;
  std::string error;        // empty if the child succeeded
  [[nodiscard]] bool ok() const { return error.empty(); }
  [[nodiscard]] double value(const std::string& name) const;  // 0 if absent
};

// Forks a child that runs `body` with a silent Report and exits. REQUIRES: the caller has
// no open SQLite connection (a connection must never cross a fork).
[[nodiscard]] Child start_child(const std::function<void(Report&)>& body);
// Reads the child's figures and waits for it to exit.
[[nodiscard]] ChildResult finish_child(Child child);

inline ChildResult run_in_child(const std::function<void(Report&)>& body) {
  return finish_child(start_child(body));
}

// Runs this program again (/proc/self/exe) with `args` in a fresh process, whose figures
// come back like a forked child's: a fresh process's peak RSS is its own, not inflated by
// the memory of the parent it was forked from.
[[nodiscard]] ChildResult run_exec_child(const std::vector<std::string>& args);
// In such a re-executed child: runs `body` and writes its figures (or its error) to stdout
// for the parent. Returns the exit status.
int serve_as_child(const std::function<void(Report&)>& body);

}  // namespace bench
