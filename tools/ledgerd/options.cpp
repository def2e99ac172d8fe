#include "options.h"
#include "version_line.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <iostream>
#include <map>

namespace ledgerd {
namespace {

// HOST:PORT with the port last, so that "[::1]:8080" and "127.0.0.1:0" both work.
void parse_listen(const std::string& text, ServerOptions& options) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    throw CLI::ValidationError("--listen", "\"" + text +
                                               "\" is not HOST:PORT, e.g. 127.0.0.1:8080 "
                                               "(port 0 picks a free port)");
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = text.substr(colon + 1);
  int port = -1;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc{} || end != port_text.data() + port_text.size() || port < 0 ||
      port > 65535) {
    throw CLI::ValidationError("--listen", "port \"" + port_text +
                                               "\" is not a number from 0 "
                                               "to 65535");
  }
  options.host = host;
  options.port = port;
}

void add_limits(CLI::App& app, ServerOptions& o) {
  app.add_option("--threads", o.threads,
                 "connections served at once: each kept-alive client holds one (default 32)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--max-connections", o.max_connections,
                 "connections served or waiting for a thread; more get 503 (default 128)")
      ->check(CLI::Range(1, 65536));
  app.add_option("--read-timeout-seconds", o.read_timeout_seconds,
                 "cut a client that sends nothing for this long (default 10)")
      ->check(CLI::Range(1, 3600));
  app.add_option("--busy-timeout-ms", o.busy_timeout_ms,
                 "how long a write waits for the ledger's write lock before 503 (default 5000)")
      ->check(CLI::Range(0, 600000));
  app.add_option("--shutdown-grace-seconds", o.shutdown_grace_seconds,
                 "after SIGTERM, how long in-flight requests may take (default 30)")
      ->check(CLI::Range(1, 3600));
}

void add_options(CLI::App& app, ServerOptions& o, std::string& listen) {
  app.add_option("--db", o.db_path, "the ledger file (made by `ledgerctl init`)")->required();
  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free port")
      ->required();
  auto* cert = app.add_option("--tls-cert", o.tls_cert_path, "PEM certificate: serve https");
  auto* key = app.add_option("--tls-key", o.tls_key_path, "PEM private key of --tls-cert");
  cert->needs(key);
  key->needs(cert);
  app.add_option("--signing-key", o.signing_key_path,
                 "the operator's Ed25519 private key (PEM, `ledgerctl signing-key create`): "
                 "lets an admin close the day (POST /v1/closings, the console's Closings page) "
                 "and GET /v1/verify check closing signatures")
      ->check(CLI::ExistingFile);
  add_limits(app, o);
  app.add_flag("--issued-keys-only", o.issued_keys_only,
               "refuse Idempotency-Keys the server did not issue (POST /v1/idempotency-keys)");
  const std::map<std::string, ledger::Durability> durability = {
      {"full", ledger::Durability::full}, {"normal", ledger::Durability::normal}};
  app.add_option("--durability", o.durability,
                 "full: fsync every commit (default); normal: faster, may lose the last "
                 "commits on power loss")
      ->transform(CLI::CheckedTransformer(durability, CLI::ignore_case));
}

}  // namespace

ParsedOptions parse_options(int argc, char** argv) {
  CLI::App app{
      "ledgerd: the ledger over HTTP/1.1 with idempotent requests (SPEC 8).\n"
      "  ledgerd --db store.db --listen 127.0.0.1:8080"};
  ParsedOptions parsed;
  std::string listen;
  app.set_version_flag("--version", ledgerctl::version_line("ledgerd"), ledgerctl::kVersionHelp);
  add_options(app, parsed.options, listen);
  try {
    app.parse(argc, argv);
    parse_listen(listen, parsed.options);
    if (parsed.options.max_connections < parsed.options.threads) {
      throw CLI::ValidationError(
          "--max-connections", fmt::format("{} is less than --threads {}: allow at least as "
                                           "many connections as threads",
                                           parsed.options.max_connections, parsed.options.threads));
    }
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    parsed.exit_now = code == 0 ? kExitDone : kExitUsage;
  }
  return parsed;
}

ledger::Options ledger_options(const ServerOptions& options, bool read_only) {
  ledger::Options result;
  result.durability = options.durability;
  result.create_if_missing = false;
  result.allow_client_keys = !options.issued_keys_only;
  result.busy_timeout_ms = options.busy_timeout_ms;
  result.read_only = read_only;
  return result;
}

}  // namespace ledgerd
