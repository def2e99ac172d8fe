#include "http_server.h"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "connection_limit.h"
#include "console_routes.h"
#include "http_errors.h"
#include "request_log.h"
#include "request_parsing.h"
#include "router.h"
#include "routes.h"
#include "shutdown.h"

namespace ledgerd {
namespace {

constexpr std::size_t kKeepAliveRequests = 100;

std::unique_ptr<httplib::Server> make_server(const ServerOptions& options) {
  if (!options.tls()) return std::make_unique<httplib::Server>();
  auto server = std::make_unique<httplib::SSLServer>(options.tls_cert_path->c_str(),
                                                     options.tls_key_path->c_str());
  if (!server->is_valid()) return nullptr;
  return server;
}

// Runs before routing, on every request that parsed: the request id, the connection bound,
// and POST bodies whose length is known before they are read.
httplib::Server::HandlerResponse before_routing(const httplib::Request& req,
                                                httplib::Response& res) {
  begin_request(res);
  if (BoundedTaskQueue::refusing_connection()) {
    send_error(res, {503,
                     "api_error",
                     "too_many_connections",
                     "the server has as many connections as it serves at once: retry after "
                     "Retry-After seconds (the same Idempotency-Key is safe to reuse)",
                     {}});
    return httplib::Server::HandlerResponse::Handled;
  }
  const bool chunked =
      req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos;
  if (req.method == "POST" && !req.has_header("Content-Length") && !chunked) {
    send_error(res, {411,
                     "invalid_request",
                     "length_required",
                     "a POST needs a Content-Length header (an empty body is Content-Length: 0)",
                     {}});
    return httplib::Server::HandlerResponse::Handled;
  }
  return httplib::Server::HandlerResponse::Unhandled;
}

// What httplib answered without a handler (no route 404, 413 past the payload limit, 400 for
// a request it could not parse) gets the JSON error body too.
httplib::Server::HandlerResponse on_error(const httplib::Request& req, httplib::Response& res) {
  begin_request(res);
  if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
  ApiError error{res.status,
                 "invalid_request",
                 "invalid_request",
                 "the request could not be read as HTTP/1.1",
                 {}};
  if (res.status == 404) {
    error.code = "not_found";
    error.message = fmt::format("no endpoint {} {}: see GET /v1 and the README's endpoint list",
                                req.method, req.path);
  } else if (res.status == 413) {
    error.code = "request_too_large";
    error.message = fmt::format("the request body is larger than {} bytes", kMaxBodyBytes);
  } else if (res.status >= 500) {
    error = internal_error("the server could not answer");
  }
  send_error(res, error);
  return httplib::Server::HandlerResponse::Handled;
}

// SO_REUSEADDR only: a restarted server can listen again at once (past TIME_WAIT), but a
// second ledgerd on a port in use fails instead of sharing it, as httplib's default
// SO_REUSEPORT would let it, splitting the clients between two servers.
void reuse_address_only(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

void configure(httplib::Server& server, const ServerOptions& options, Service& service) {
  server.set_socket_options(reuse_address_only);
  // A reply is written in more than one send (headers, then body): with Nagle's algorithm
  // the second waits for the client's delayed ACK, about 40 ms per request.
  server.set_tcp_nodelay(true);
  server.set_payload_max_length(kMaxBodyBytes);
  server.set_read_timeout(options.read_timeout_seconds, 0);
  // A connection that sends nothing (a first request, or the next on a kept-alive
  // connection) is cut after the same time as one that stops mid-request.
  server.set_keep_alive_timeout(options.read_timeout_seconds);
  server.set_write_timeout(options.read_timeout_seconds, 0);
  // httplib closes a kept-alive connection after 5 requests by default; a till sends
  // request after request, and each new connection (a TLS handshake) costs more than one.
  server.set_keep_alive_max_count(kKeepAliveRequests);
  const auto threads = static_cast<std::size_t>(options.threads);
  const auto max_connections = static_cast<std::size_t>(options.max_connections);
  server.new_task_queue = [threads, max_connections] {
    return new BoundedTaskQueue(threads, max_connections);
  };
  server.set_pre_routing_handler(before_routing);
  server.set_error_handler(httplib::Server::HandlerWithResponse(on_error));
  // Runs on every response just before it is written: its status is final, and a client
  // that reads the response and then scrapes /metrics finds it counted.
  server.set_post_routing_handler([&service](const httplib::Request&, httplib::Response& res) {
    begin_request(res);  // the Request-Id of a response no handler above saw
    service.metrics.count_response(res.status);
  });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        send_error(res, internal_error("an unexpected exception"));
      });
  server.set_logger(log_request);
}

void add_routes(httplib::Server& server, Service& service) {
  Router router(server);
  add_read_routes(router, service);
  add_console_routes(router);
  add_money_routes(router, service);
  add_pending_routes(router, service);
  add_admin_routes(router, service);
  add_fiscal_routes(router, service);
}

int bind(httplib::Server& server, const ServerOptions& options) {
  if (options.port == 0) return server.bind_to_any_port(options.host);
  return server.bind_to_port(options.host, options.port) ? options.port : -1;
}

std::string url_host(const std::string& host) {
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

}  // namespace

int serve(const ServerOptions& options, Service& service) {
  const auto server = make_server(options);
  if (!server) {
    std::fprintf(stderr,
                 "ledgerd: could not load the TLS certificate %s and key %s: check "
                 "that both are readable PEM files and belong together\n",
                 options.tls_cert_path->c_str(), options.tls_key_path->c_str());
    return kExitFailure;
  }
  configure(*server, options, service);
  add_routes(*server, service);
  const int port = bind(*server, options);
  if (port < 0) {
    std::fprintf(stderr,
                 "ledgerd: cannot listen on %s:%d (in use, or not an address of this "
                 "host): choose another --listen\n",
                 options.host.c_str(), options.port);
    return kExitFailure;
  }
  std::printf("listening on %s://%s:%d\n", options.tls() ? "https" : "http",
              url_host(options.host).c_str(), port);
  std::fflush(stdout);
  ShutdownWatcher watcher([&server] { server->stop(); },
                          std::chrono::seconds(options.shutdown_grace_seconds));
  const bool listened = server->listen_after_bind();
  watcher.finished();
  if (watcher.signalled()) return kExitDone;
  std::fprintf(stderr, "ledgerd: the server stopped listening unexpectedly: restart it\n");
  return listened ? kExitDone : kExitFailure;
}

}  // namespace ledgerd
