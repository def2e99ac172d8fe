// Graceful shutdown on SIGTERM/SIGINT: stop accepting, let in-flight requests finish within
// a bound, then let main close the ledger and exit 0.
//
// The signals are blocked in every thread (block_termination_signals() runs before any
// thread starts, and threads inherit the mask) and received by one watcher thread with
// sigwait(), so that stopping the server is ordinary code rather than an async-signal
// handler.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace ledgerd {

// Blocks SIGTERM and SIGINT in the calling thread. Call first thing in main().
void block_termination_signals();

class ShutdownWatcher {
 public:
  // Starts the watcher: on the first SIGTERM/SIGINT it calls `stop` (which must make the
  // server stop accepting and return from listen) and then gives the server `grace` to
  // finish; if it has not called finished() by then, the process exits with status 1
  // (nothing half-done stays behind: every request is one SQLite transaction).
  ShutdownWatcher(std::function<void()> stop, std::chrono::seconds grace);
  // Ends the watcher thread (whether or not a signal came).
  ~ShutdownWatcher();
  ShutdownWatcher(const ShutdownWatcher&) = delete;
  ShutdownWatcher& operator=(const ShutdownWatcher&) = delete;

  // The server has finished its in-flight requests: the grace bound no longer applies.
  void finished();
  // Whether a signal asked for the shutdown.
  [[nodiscard]] bool signalled() const;

 private:
  void watch();

  std::function<void()> stop_;
  std::chrono::seconds grace_;
  mutable std::mutex mutex_;
  std::condition_variable done_;
  bool signalled_ = false;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace ledgerd
