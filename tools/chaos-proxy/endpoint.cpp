// HOST:PORT parsing, listening and connecting with getaddrinfo and POSIX sockets.
#include "endpoint.h"

#include <arpa/inet.h>
#include <fmt/core.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace chaos {
namespace {

using AddrList = std::unique_ptr<addrinfo, decltype(&freeaddrinfo)>;

AddrList resolve(const Endpoint& endpoint, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(endpoint.host.c_str(), endpoint.port.c_str(), &hints, &found);
  if (rc != 0) {
    throw std::runtime_error(
        fmt::format("cannot resolve {}:{}: {}; give a numeric address "
                    "such as 127.0.0.1:8080",
                    endpoint.host, endpoint.port, gai_strerror(rc)));
  }
  return AddrList(found, &freeaddrinfo);
}

// Requests and replies are small and latency matters more than packet count here.
void set_no_delay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void Socket::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

Endpoint parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    throw std::invalid_argument(
        fmt::format("'{}' is not HOST:PORT; give for example 127.0.0.1:8080", text));
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // [::1]:8080
  }
  return Endpoint{host, text.substr(colon + 1)};
}

Socket listen_on(const Endpoint& endpoint) {
  const AddrList list = resolve(endpoint, true);
  std::string last_error = "no address";
  for (const addrinfo* a = list.get(); a != nullptr; a = a->ai_next) {
    Socket s(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (!s.is_open()) continue;
    const int one = 1;
    setsockopt(s.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(s.fd(), a->ai_addr, a->ai_addrlen) == 0 && ::listen(s.fd(), 128) == 0) {
      return s;
    }
    last_error = std::strerror(errno);
  }
  throw std::runtime_error(
      fmt::format("cannot listen on {}:{}: {}; choose a free port or "
                  "port 0",
                  endpoint.host, endpoint.port, last_error));
}

Socket accept_from(const Socket& listener) {
  Socket s(::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC));
  if (s.is_open()) set_no_delay(s.fd());
  return s;
}

std::string bound_address(const Socket& listener) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  getsockname(listener.fd(), reinterpret_cast<sockaddr*>(&addr), &len);
  char host[NI_MAXHOST];
  char port[NI_MAXSERV];
  getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, port, sizeof port,
              NI_NUMERICHOST | NI_NUMERICSERV);
  return addr.ss_family == AF_INET6 ? fmt::format("[{}]:{}", host, port)
                                    : fmt::format("{}:{}", host, port);
}

Socket connect_to(const Endpoint& endpoint) {
  AddrList list(nullptr, &freeaddrinfo);
  try {
    list = resolve(endpoint, false);
  } catch (const std::runtime_error&) {
    return Socket{};
  }
  for (const addrinfo* a = list.get(); a != nullptr; a = a->ai_next) {
    Socket s(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (!s.is_open()) continue;
    if (::connect(s.fd(), a->ai_addr, a->ai_addrlen) == 0) {
      set_no_delay(s.fd());
      return s;
    }
  }
  return Socket{};
}

}  // namespace chaos
