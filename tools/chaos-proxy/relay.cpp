// The per-connection relay loop: poll both sockets, apply each burst's fault.
#include "relay.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <thread>

namespace chaos {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How often a waiting relay looks at the stop flag.
constexpr milliseconds kStopCheck{50};
// A peer that stops reading must not hold a relay thread forever.
constexpr int kSendTimeoutSeconds = 10;

void set_send_timeout(int fd) {
  timeval tv{};
  tv.tv_sec = kSendTimeoutSeconds;
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Reads what is there; 0 on EOF, reset or error (for the relay they all end the connection).
std::size_t receive(int fd, char* buffer, std::size_t size) {
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, size, 0);
    if (n < 0 && errno == EINTR) continue;
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }
}

class Relay {
 public:
  Relay(Socket client, Socket upstream, const RelayContext& context)
      : client_(std::move(client)), upstream_(std::move(upstream)), context_(context) {}

  void run();

 private:
  enum class Phase { idle, awaiting_reply, replying };

  bool on_client_bytes(const char* data, std::size_t size);
  bool on_upstream_bytes(const char* data, std::size_t size);
  void start_burst();
  int poll_timeout_ms() const;
  void sleep_unless_stopping(milliseconds wait) const;

  Socket client_;
  Socket upstream_;
  const RelayContext& context_;
  Phase phase_ = Phase::idle;
  Fault fault_;
  bool cut_pending_ = false;
  Clock::time_point cut_at_;
  std::array<char, 16 * 1024> buffer_{};
};

void Relay::run() {
  set_send_timeout(client_.fd());
  set_send_timeout(upstream_.fd());
  while (!context_.stopping->load()) {
    std::array<pollfd, 2> fds{{{client_.fd(), POLLIN, 0}, {upstream_.fd(), POLLIN, 0}}};
    const int ready = ::poll(fds.data(), fds.size(), poll_timeout_ms());
    if (ready < 0 && errno != EINTR) return;
    if (cut_pending_ && Clock::now() >= cut_at_) return;
    // The server first: a reply that is already there decides a pending cut or drop.
    if (fds[1].revents != 0) {
      const std::size_t n = receive(upstream_.fd(), buffer_.data(), buffer_.size());
      if (n == 0) {
        if (phase_ == Phase::awaiting_reply) context_.counts->upstream_closed++;
        return;
      }
      if (!on_upstream_bytes(buffer_.data(), n)) return;
    }
    if (fds[0].revents != 0) {
      const std::size_t n = receive(client_.fd(), buffer_.data(), buffer_.size());
      if (n == 0 || !on_client_bytes(buffer_.data(), n)) return;
    }
  }
}

int Relay::poll_timeout_ms() const {
  if (!cut_pending_) return static_cast<int>(kStopCheck.count());
  const auto left = std::chrono::duration_cast<milliseconds>(cut_at_ - Clock::now());
  return static_cast<int>(std::clamp(left, milliseconds{0}, kStopCheck).count());
}

void Relay::sleep_unless_stopping(milliseconds wait) const {
  const auto until = Clock::now() + wait;
  while (!context_.stopping->load() && Clock::now() < until) {
    std::this_thread::sleep_for(
        std::min(kStopCheck, std::chrono::duration_cast<milliseconds>(until - Clock::now())));
  }
}

void Relay::start_burst() {
  fault_ = context_.plan->next();
  phase_ = Phase::awaiting_reply;
  FaultCounts& counts = *context_.counts;
  counts.requests++;
  switch (fault_.kind) {
    case FaultKind::drop_request:
      counts.dropped_request++;
      break;
    case FaultKind::cut:
      counts.cut++;
      break;
    case FaultKind::drop_reply:
      counts.dropped_reply++;
      break;
    case FaultKind::delay_request:
      counts.forwarded++;
      counts.delayed_request++;
      break;
    case FaultKind::delay_reply:
      counts.forwarded++;
      counts.delayed_reply++;
      break;
    case FaultKind::none:
      counts.forwarded++;
      break;
  }
}

bool Relay::on_client_bytes(const char* data, std::size_t size) {
  if (phase_ != Phase::awaiting_reply) {
    start_burst();
    switch (fault_.kind) {
      case FaultKind::drop_request:
        return false;
      case FaultKind::delay_request:
        sleep_unless_stopping(fault_.wait);
        break;
      case FaultKind::cut:
        cut_pending_ = true;
        cut_at_ = Clock::now() + fault_.wait;
        break;
      default:
        break;
    }
  }
  if (!send_all(upstream_.fd(), data, size)) return false;
  // A cut without a wait closes right after the request's first segment went out.
  return !(cut_pending_ && fault_.wait.count() == 0);
}

bool Relay::on_upstream_bytes(const char* data, std::size_t size) {
  if (phase_ == Phase::awaiting_reply) {
    if (cut_pending_ || fault_.kind == FaultKind::drop_reply) return false;
    if (fault_.kind == FaultKind::delay_reply) sleep_unless_stopping(fault_.wait);
    phase_ = Phase::replying;
  }
  // In the idle phase these are bytes the server sends unasked (e.g. before it closes an
  // idle connection): passed on as they are.
  return send_all(client_.fd(), data, size);
}

}  // namespace

void relay_connection(Socket client, const RelayContext& context) {
  Socket upstream = connect_to(context.upstream);
  if (!upstream.is_open()) {
    context.counts->upstream_unavailable++;
    return;  // closes the client: to it this looks like a server that is down
  }
  Relay(std::move(client), std::move(upstream), context).run();
}

}  // namespace chaos
