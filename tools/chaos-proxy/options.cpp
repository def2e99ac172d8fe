// chaos-proxy's options, parsed with CLI11.
#include "options.h"

#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <optional>
#include <random>

namespace chaos {
namespace {

void add_probability(CLI::App& app, const char* name, double& value, const char* what) {
  app.add_option(name, value, what)->check(CLI::Range(0.0, 1.0))->capture_default_str();
}

// The faults are drawn from one uniform number, so they cannot together exceed certainty.
void check_probability_sum(const FaultProbabilities& f) {
  const double sum = f.drop_request + f.cut + f.drop_reply + f.delay;
  if (sum > 1.0 + 1e-9) {
    throw CLI::ValidationError(
        "fault probabilities",
        fmt::format("--drop-request + --cut + --drop-reply + --delay add up to {:.3f}; each "
                    "request gets at most one fault, so make them add up to 1 or less",
                    sum));
  }
}

}  // namespace

Options parse_options(int argc, char** argv) {
  Options o;
  std::optional<std::uint64_t> seed;
  CLI::App app{
      "chaos-proxy: a TCP proxy on loopback that injects network faults per request burst\n"
      "(lost request, connection cut while the server works, lost reply, delay).\n"
      "Example: chaos-proxy --listen 127.0.0.1:0 --upstream 127.0.0.1:8080 --cut 0.1 "
      "--drop-reply 0.1 --stats stats.json"};
  app.add_option("--listen", o.listen, "HOST:PORT to listen on (port 0: a free port)")
      ->capture_default_str();
  app.add_option("--upstream", o.upstream, "HOST:PORT of the server behind the proxy")->required();
  add_probability(app, "--drop-request", o.faults.drop_request,
                  "chance that a request is read and never forwarded");
  add_probability(app, "--cut", o.faults.cut,
                  "chance that a request is forwarded and both connections are cut before "
                  "the reply");
  add_probability(app, "--drop-reply", o.faults.drop_reply,
                  "chance that the server's reply is dropped and both connections closed");
  add_probability(app, "--delay", o.faults.delay,
                  "chance that the request or the reply is delayed by 0..--max-delay-ms");
  app.add_option("--max-delay-ms", o.max_delay_ms, "longest delay, and longest wait before a cut")
      ->check(CLI::Range(0, 60'000))
      ->capture_default_str();
  app.add_option("--seed", seed, "seed of the fault draws, to repeat a run (default: random)");
  app.add_option("--stats", o.stats_path,
                 "file the fault counts are written to as JSON, every second and at exit");
  try {
    app.parse(argc, argv);
    check_probability_sum(o.faults);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e) == 0 ? 0 : 2);
  }
  o.seed_given = seed.has_value();
  o.seed = seed.value_or(std::random_device{}());
  return o;
}

}  // namespace chaos
