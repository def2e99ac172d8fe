#include "shutdown.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>

namespace ledgerd {
namespace {

sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

void say(const std::string& line) { std::fputs(("ledgerd: " + line + "\n").c_str(), stderr); }

}  // namespace

void block_termination_signals() {
  const sigset_t set = termination_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

ShutdownWatcher::ShutdownWatcher(std::function<void()> stop, std::chrono::seconds grace)
    : stop_(std::move(stop)), grace_(grace), thread_([this] { watch(); }) {}

ShutdownWatcher::~ShutdownWatcher() {
  finished();
  // Wake sigwait() if no signal came: the signal goes to the watcher thread only, where it
  // is blocked and so lands in sigwait(), which then sees finished_ and returns.
  pthread_kill(thread_.native_handle(), SIGTERM);
  thread_.join();
}

void ShutdownWatcher::finished() {
  std::lock_guard lock(mutex_);
  finished_ = true;
  done_.notify_all();
}

bool ShutdownWatcher::signalled() const {
  std::lock_guard lock(mutex_);
  return signalled_;
}

void ShutdownWatcher::watch() {
  const sigset_t set = termination_signals();
  int signal_number = 0;
  sigwait(&set, &signal_number);
  std::unique_lock lock(mutex_);
  if (finished_) return;
  signalled_ = true;
  lock.unlock();
  say(
      fmt::format("{}: stopping: no new connections; finishing requests in flight (at most "
                  "{} s)",
                  signal_number == SIGINT ? "SIGINT" : "SIGTERM", grace_.count()));
  stop_();
  lock.lock();
  if (!done_.wait_for(lock, grace_, [this] { return finished_; })) {
    say(
        fmt::format("requests still in flight after {} s: exiting now; each request is one "
                    "transaction, so an unfinished one stored nothing and its client retries",
                    grace_.count()));
    std::_Exit(1);
  }
}

}  // namespace ledgerd
