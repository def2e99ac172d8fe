// chaos-proxy: a TCP proxy on loopback that injects the network faults of the failure
// timeline (a request lost, a connection cut while the server works, a reply lost after
// the commit, delays) per request burst, between clients and ledgerd. See relay.h for
// how a burst is found without parsing HTTP, and tests/chaos for the run that uses it.
//
// Exit status: 0 after SIGTERM/SIGINT (counts written); 2 usage; 1 it could not listen.
#include <fmt/core.h>
#include <poll.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "endpoint.h"
#include "fault_plan.h"
#include "options.h"
#include "relay.h"
#include "stats.h"

namespace {

using namespace chaos;
using Clock = std::chrono::steady_clock;

std::atomic<bool> stopping{false};

// SIGTERM and SIGINT are blocked in every thread and taken by this one with sigwait, so
// that no relay thread is interrupted and the shutdown runs as ordinary code.
void wait_for_stop_signal(sigset_t signals) {
  int signal = 0;
  sigwait(&signals, &signal);
  stopping = true;
}

// Counts the relay threads still running, so that the final counts include every burst.
class ActiveRelays {
 public:
  void started() {
    std::lock_guard lock(mutex_);
    ++active_;
  }
  void finished() {
    std::lock_guard lock(mutex_);
    --active_;
    done_.notify_all();
  }
  // Relays see the stop flag within their poll interval; the bound covers a stuck send.
  // Returns false if some are still running after `bound`.
  bool wait_until_none(std::chrono::seconds bound) {
    std::unique_lock lock(mutex_);
    return done_.wait_for(lock, bound, [this] { return active_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  int active_ = 0;
};

void write_stats(const FaultCounts& counts, const std::string& path) {
  if (!path.empty() && !write_counts(counts, path)) {
    fmt::print(stderr,
               "chaos-proxy: warning: cannot write the counts to {}; check that its "
               "directory exists and is writable\n",
               path);
  }
}

void serve(const Socket& listener, const RelayContext& context, ActiveRelays& relays,
           const std::string& stats_path) {
  auto next_stats = Clock::now();
  while (!stopping) {
    pollfd fd{listener.fd(), POLLIN, 0};
    ::poll(&fd, 1, 100);
    if (Clock::now() >= next_stats) {
      write_stats(*context.counts, stats_path);
      next_stats = Clock::now() + std::chrono::seconds(1);
    }
    if ((fd.revents & POLLIN) == 0 || stopping) continue;
    Socket client = accept_from(listener);
    if (!client.is_open()) continue;
    context.counts->connections++;
    relays.started();
    try {
      std::thread([client = std::move(client), &context, &relays]() mutable {
        relay_connection(std::move(client), context);
        relays.finished();
      }).detach();
    } catch (const std::system_error&) {
      relays.finished();  // no thread to spare: the client's connection is closed
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread(wait_for_stop_signal, signals).detach();

  FaultCounts counts;
  FaultPlan plan(options.faults, options.max_delay_ms, options.seed);
  Socket listener;
  RelayContext context{};
  try {
    context.upstream = parse_endpoint(options.upstream);
    listener = listen_on(parse_endpoint(options.listen));
  } catch (const std::exception& e) {
    fmt::print(stderr, "chaos-proxy: error: {}\n", e.what());
    return dynamic_cast<const std::invalid_argument*>(&e) != nullptr ? 2 : 1;
  }
  context.plan = &plan;
  context.counts = &counts;
  context.stopping = &stopping;

  fmt::print("listening on {}\n", bound_address(listener));
  std::fflush(stdout);
  const auto& f = options.faults;
  fmt::print(stderr,
             "chaos-proxy: upstream {} seed {} drop-request {} cut {} drop-reply {} "
             "delay {} max-delay-ms {}\n",
             options.upstream, options.seed, f.drop_request, f.cut, f.drop_reply, f.delay,
             options.max_delay_ms);

  ActiveRelays relays;
  serve(listener, context, relays, options.stats_path);
  listener.close();
  const bool all_stopped = relays.wait_until_none(std::chrono::seconds(15));
  write_stats(counts, options.stats_path);
  fmt::print(stderr, "chaos-proxy: stopped: {}\n", counts_json(counts));
  std::fflush(stderr);
  // A relay still stuck uses `context` and `counts` on this stack: leave without unwinding.
  if (!all_stopped) std::_Exit(0);
  return 0;
}
