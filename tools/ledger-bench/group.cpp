// group: `group_threads` threads booking durable single sales through one SharedLedger
// (the engine's group commit), in rounds alternating with bare SQLite's one-row durable
// commit from one thread, as in the commit scenario; with UUIDv7 client keys, then UUIDv4.
// The ratio says how many durable transfers group commit books per fsync-bound commit the
// disk allows a single writer.
#include <stdexcept>
#include <vector>

#include "bare.h"
#include "ledger/shared_ledger.h"
#include "scenarios.h"
#include "workload.h"

namespace bench {
namespace {

// One booking thread's state, kept across rounds: its own key stream and sale counter.
struct Client {
  KeyGen keys;
  Sales sales;
  std::int64_t n;       // this client's next sale number: index, index + threads, ...
  std::int64_t stride;  // the number of clients, so that sale numbers never collide
};

// One client books sales for `seconds`, each a durable single transfer; returns how many.
std::int64_t book_for(ledger::SharedLedger& shared, Client& client, double seconds) {
  auto book_one = [&] {
    expect_created(shared.transfer(client.sales.next(client.keys, client.n)), "group");
    client.n += client.stride;
    return 1;
  };
  return run_for(seconds, book_one).items;
}

// Every client books sales for `seconds`, each on its own thread; returns the transfers
// booked and the wall time. Rethrows a client's error.
Throughput group_round(ledger::SharedLedger& shared, std::vector<Client>& clients, double seconds) {
  return run_in_threads(clients.size(),
                        [&](std::size_t i) { return book_for(shared, clients[i], seconds); });
}

std::vector<Client> make_clients(const Config& config, KeyKind kind) {
  std::vector<Client> clients;
  const auto count = static_cast<std::int64_t>(config.group_threads);
  for (std::int64_t i = 0; i < count; ++i) {
    clients.push_back(
        Client{KeyGen(config.seed, 300 + static_cast<std::uint64_t>(i)), Sales(kind), i, count});
  }
  return clients;
}

// The scenario with one kind of client key; figure names end in `suffix`.
void run_group_with(const Config& config, KeyKind kind, const std::string& suffix,
                    Report& report) {
  const std::string bare_path = db_path(config, "group-bare.db");
  const std::string engine_path = db_path(config, "group-engine.db");
  {
    BareDb bare(bare_path, config.durability);
    ledger::SharedLedger shared(open_engine(engine_path, config));
    std::vector<Client> clients = make_clients(config, kind);
    KeyGen bare_keys(config.seed, 5);
    std::int64_t bare_n = 0;
    auto bare_op = [&] {
      if (!bare.insert_commit(bare_keys.bytes16(), bare_n++)) throw std::runtime_error("bare busy");
      return 1;
    };
    run_for(0.1, bare_op);  // warm-up: files, WAL, statements and threads exist
    group_round(shared, clients, 0.1);
    const ledger::GroupCommitStats before = shared.stats();
    Throughput bare_rate;
    Throughput engine;
    for (int round = 0; round < config.rounds; ++round) {
      // Alternate who goes first, so that neither always follows the other's checkpoint.
      if (round % 2 == 0) bare_rate += run_for(config.group_seconds, bare_op);
      engine += group_round(shared, clients, config.group_seconds);
      if (round % 2 == 1) bare_rate += run_for(config.group_seconds, bare_op);
    }
    const ledger::GroupCommitStats after = shared.stats();
    const auto commits = static_cast<double>(after.commits - before.commits);
    report.add("group_bare_commit_rate" + suffix, bare_rate.rate(), "commits/s");
    report.add("group_rate" + suffix, engine.rate(), "transfers/s");
    report.add("group_commits_per_s" + suffix, engine.seconds > 0 ? commits / engine.seconds : 0,
               "commits/s");
    report.add("group_avg_batch" + suffix,
               commits > 0 ? static_cast<double>(engine.items) / commits : 0, "transfers/commit",
               1);
    report.add("group_largest_batch" + suffix, static_cast<double>(after.largest_batch),
               "transfers/commit");
    report.add("ratio_group" + suffix, engine.rate() / bare_rate.rate(), "", 3);
  }
  remove_db(config, bare_path);
  remove_db(config, engine_path);
}

}  // namespace

void run_group(const Config& config, Report& report) {
  if (config.group_threads < 1) throw std::invalid_argument("group: group_threads must be >= 1");
  report.section("group");
  report.add("group_threads", config.group_threads, "threads");
  // Time-ordered keys first (what README "Which client keys to use" advises), then random.
  run_group_with(config, KeyKind::uuid_v7, "", report);
  run_group_with(config, KeyKind::uuid_v4, "_uuid_v4", report);
}

}  // namespace bench
