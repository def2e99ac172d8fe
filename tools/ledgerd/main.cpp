// ledgerd: the ledger served over HTTP/1.1 (SPEC 8). See README, "Serving over HTTP".
//
//   ledgerd --db store.db --listen 127.0.0.1:8080
//
// Opens the ledger once for writing (a SharedLedger: concurrent transfers share commits)
// and a few times for reading, serves until SIGTERM/SIGINT, then closes the ledger.
#include <algorithm>
#include <cstdio>
#include <optional>

#include "http_server.h"
#include "ledger/error.h"
#include "ledger/shared_ledger.h"
#include "ledger/version.h"
#include "metrics.h"
#include "options.h"
#include "reader_pool.h"
#include "service.h"
#include "shutdown.h"
#include "signing_keys.h"

namespace {

// Errors that mean the file is not a usable ledger exit 5; others (permissions, busy) 1.
// The engine words its advice for a library caller (e.g. Options::create_if_missing);
// ledgerd, which never creates a ledger, names the commands that help its operator.
int open_failure(const ledgerd::ServerOptions& options, const ledger::Error& error) {
  if (error.code() == ledger::ErrorCode::not_found) {
    std::fprintf(stderr,
                 "ledgerd: no ledger at %s: make one with `ledgerctl --db %s init`, or give "
                 "--db the path of an existing ledger\n",
                 options.db_path.c_str(), options.db_path.c_str());
    return ledgerd::kExitNotALedger;
  }
  std::fprintf(stderr, "ledgerd: cannot open the ledger %s: %s\n", options.db_path.c_str(),
               error.what());
  switch (error.code()) {
    case ledger::ErrorCode::not_a_ledger:
    case ledger::ErrorCode::corrupt:
    case ledger::ErrorCode::newer_schema:
    case ledger::ErrorCode::older_schema:
      std::fprintf(stderr,
                   "ledgerd: make a ledger with `ledgerctl --db %s init`, or check "
                   "the file with `ledgerctl --db %s verify`\n",
                   options.db_path.c_str(), options.db_path.c_str());
      return ledgerd::kExitNotALedger;
    default:
      return ledgerd::kExitFailure;
  }
}

// One reader per thread would be idle most of the time; a few are enough because a read
// holds its reader only for one query.
std::size_t reader_count(const ledgerd::ServerOptions& options) {
  return static_cast<std::size_t>(std::clamp(options.threads, 1, 4));
}

int run(const ledgerd::ServerOptions& options) {
  const ledger::Options writer_options = ledgerd::ledger_options(options, false);
  std::optional<ledger::SharedLedger> writer;
  std::optional<ledgerd::ReaderPool> readers;
  try {
    writer.emplace(ledger::SharedLedger::open(options.db_path, writer_options));
    readers.emplace(options.db_path, ledgerd::ledger_options(options, true), reader_count(options));
  } catch (const ledger::Error& error) {
    return open_failure(options, error);
  }
  ledger::SigningKeyPair signing;
  if (options.signing_key_path) {
    try {
      signing = ledgerd::load_signing_keys(*options.signing_key_path);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "ledgerd: %s\n", error.what());
      return ledgerd::kExitUsage;
    }
  }
  ledgerd::Metrics metrics;
  ledgerd::Service service{
      *writer,
      *readers,
      metrics,
      {ledger::version(), writer_options.allow_client_keys, writer_options.key_ttl_seconds,
       writer_options.rejection_retention_seconds},
      signing};
  return ledgerd::serve(options, service);
}

}  // namespace

int main(int argc, char** argv) {
  ledgerd::block_termination_signals();  // before any thread starts: all inherit the mask
  const ledgerd::ParsedOptions parsed = ledgerd::parse_options(argc, argv);
  if (parsed.exit_now) return *parsed.exit_now;
  try {
    return run(parsed.options);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "ledgerd: %s\n", error.what());
    return ledgerd::kExitFailure;
  }
}
