// pos-sim --remote: the command line of the remote mode.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <string_view>

#include "remote.h"

namespace pos_sim {
namespace {

void add_remote_options(CLI::App& app, RemoteConfig& c) {
  app.add_option("--remote", c.url, "ledgerd server, e.g. http://127.0.0.1:8080")
      ->envname("LEDGER_REMOTE")
      ->required();
  app.add_option("--token", c.token, "bearer token of the till's principal ($LEDGER_TOKEN)")
      ->envname("LEDGER_TOKEN")
      ->required();
  app.add_option("--ca-cert", c.ca_cert, "https: PEM file of the CA to trust");
  app.add_option("--till", c.till, "this till's number: it sells to account till:N")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  app.add_option("--sales", c.sales, "number of sales")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  app.add_option("--customers", c.customers, "customers customer:1..C")
      ->check(CLI::Range(1, 1'000))
      ->capture_default_str();
  app.add_option("--seed", c.seed, "random seed, to repeat a run's choices (default: random)");
  app.add_option("--outcomes", c.outcomes_path,
                 "write one JSON line per sale (key, amount, status, replayed, attempts, "
                 "body exactly as received)");
  app.add_option("--currency", c.currency, "currency of every account")->capture_default_str();
  app.add_option("--key-source", c.key_source,
                 "client: UUIDv7 keys made here; server: keys issued by the server")
      ->check(CLI::IsMember({"client", "server"}))
      ->capture_default_str();
  app.add_option("--deadline-seconds", c.deadline_seconds,
                 "how long one sale may keep retrying before it counts as unanswered")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_flag("--setup", c.setup,
               "first create world, till:N and the customers if missing and fund each "
               "customer once with 500.00 (admin token)");
  app.add_flag("-v,--verbose", c.verbose, "print every sale and its retries");
  app.footer(
      "Each sale moves a random 1.00..50.00 from a random customer:X to till:N with memo\n"
      "\"till N sale i\" and one idempotency key, kept across every retry. At the end the\n"
      "till's balance must have grown by exactly the sum of its created (201) sales.\n\n"
      "Exit status: 0 every sale final and the balance consistent; 1 a check failed;\n"
      "2 usage; 3 a sale got no final answer before its deadline.");
}

}  // namespace

bool remote_requested(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--remote" || word.starts_with("--remote=")) return true;
  }
  return false;
}

int remote_main(int argc, char** argv) {
  RemoteConfig config;
  CLI::App app{
      "pos-sim --remote: a till sells through a ledgerd server, retrying every sale with "
      "its one key; proves the till was charged exactly once per sale",
      "pos-sim"};
  add_remote_options(app, config);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return run_remote_till(config);
}

}  // namespace pos_sim
