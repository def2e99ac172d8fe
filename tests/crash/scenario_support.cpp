// Helpers of the in-process fault scenarios: see scenario_support.h.
#include "scenario_support.h"

#include <filesystem>

namespace crash {

namespace fs = std::filesystem;

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ignored;
    fs::remove(path + suffix, ignored);
  }
}

void copy_db(const std::string& from, const std::string& to) {
  remove_db(to);
  fs::copy_file(from, to);
  if (fs::exists(from + "-wal")) fs::copy_file(from + "-wal", to + "-wal");
}

StreamHistory make_base(const std::string& path, std::uint64_t seed, Workload workload,
                        std::int64_t ops, const ledger::Options& options) {
  remove_db(path);
  StreamHistory history;
  history.principal = kPrincipal;
  auto ledger = ledger::Ledger::open(path, options);
  ensure_accounts(ledger, workload);
  for (std::int64_t i = 0; i < ops; ++i) {
    record_attempt(history, i);
    Op op = make_op(workload, seed, kPrincipal, i);
    record_ack(history, i, run_op(ledger, op));
  }
  return history;
}

}  // namespace crash
