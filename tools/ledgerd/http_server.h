// The HTTP server: httplib::Server (or SSLServer with --tls-cert/--tls-key) with the routes,
// the limits (body size, read timeout, bounded connections), a Request-Id on every response,
// JSON error bodies for what httplib refuses itself (404, 413, 400), the request log and the
// response metrics; and its life: bind, announce the address, serve until SIGTERM/SIGINT.
#pragma once

#include "options.h"
#include "service.h"

namespace ledgerd {

// Serves `service` as `options` say until SIGTERM/SIGINT. Prints `listening on URL` as the
// first line on stdout once bound. Returns the exit code: 0 after a graceful shutdown, 1
// when it cannot listen (or load the TLS files).
[[nodiscard]] int serve(const ServerOptions& options, Service& service);

}  // namespace ledgerd
