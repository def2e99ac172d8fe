// TCP endpoints given as HOST:PORT: the proxy's listening socket and its connections to
// the server. Plain POSIX sockets; every descriptor is owned by a Socket.
#pragma once

#include <string>
#include <utility>

namespace chaos {

// Owns one file descriptor and closes it once.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() { close(); }

  int fd() const { return fd_; }
  bool is_open() const { return fd_ >= 0; }
  void close();

 private:
  int fd_ = -1;
};

struct Endpoint {
  std::string host;
  std::string port;
};

// Splits "HOST:PORT" at its last colon. Throws std::invalid_argument naming the text and
// the expected form.
Endpoint parse_endpoint(const std::string& text);

// Binds and listens on `endpoint` (port "0": a free port). Throws std::runtime_error with
// the reason when the address cannot be resolved or bound.
Socket listen_on(const Endpoint& endpoint);

// Accepts one pending connection; a closed Socket if there was none or it failed.
Socket accept_from(const Socket& listener);

// The "HOST:PORT" the listening socket is bound to (with the port the kernel chose).
std::string bound_address(const Socket& listener);

// Connects to `endpoint`. Returns a closed Socket when no server accepts there (down or
// restarting): the caller decides what that means.
Socket connect_to(const Endpoint& endpoint);

}  // namespace chaos
