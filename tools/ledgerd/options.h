// ledgerd's command line (CLI11): where the ledger is, where to listen, and the limits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ledger/ledger.h"

namespace ledgerd {

// Exit codes of ledgerd.
inline constexpr int kExitDone = 0;        // stopped by SIGTERM/SIGINT after a graceful shutdown
inline constexpr int kExitFailure = 1;     // could not listen, bad TLS files, shutdown bound hit
inline constexpr int kExitUsage = 2;       // bad command line
inline constexpr int kExitNotALedger = 5;  // the file is missing, not a ledger, or corrupt

struct ServerOptions {
  std::string db_path;
  std::string host;  // as given, without brackets around an IPv6 address
  int port = 0;      // 0: a free port, printed on the first stdout line
  std::optional<std::string> tls_cert_path;
  std::optional<std::string> tls_key_path;
  // The operator's Ed25519 private key (PEM): lets an admin close the day through
  // POST /v1/closings, and GET /v1/verify check every closing's signature.
  std::optional<std::string> signing_key_path;
  int threads = 32;               // connections served at once (one per kept-alive till)
  int max_connections = 128;      // served + waiting for a thread; more are answered 503
  int read_timeout_seconds = 10;  // an idle or stalled client is cut after this
  bool issued_keys_only = false;
  ledger::Durability durability = ledger::Durability::full;
  int busy_timeout_ms = 5000;       // how long a write waits for SQLite's write lock
  int shutdown_grace_seconds = 30;  // bound on finishing in-flight requests at shutdown
  [[nodiscard]] bool tls() const { return tls_cert_path.has_value(); }
};

// The options, or the exit code to leave with at once (--help: 0, a usage error: 2, after
// CLI11 printed its message).
struct ParsedOptions {
  ServerOptions options;
  std::optional<int> exit_now;
};

[[nodiscard]] ParsedOptions parse_options(int argc, char** argv);

// The ledger::Options ledgerd opens its writer (and, read_only, its readers) with.
[[nodiscard]] ledger::Options ledger_options(const ServerOptions& options, bool read_only);

}  // namespace ledgerd
