#include "replay_operations.h"

#include <fmt/format.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenarios.h"
#include "workload.h"

namespace bench {
namespace {

// The requests of completed keys, `count` of each operation.
struct CompletedRequests {
  std::vector<ledger::TransferRequest> transfers;
  std::vector<ledger::ReserveRequest> reserves;
  std::vector<ledger::PostRequest> posts;
  std::vector<ledger::VoidRequest> voids;
  std::vector<ledger::ReverseRequest> reverses;
};

// A sale's money held instead of moved: what a card terminal's pre-authorisation books.
ledger::ReserveRequest hold_of(const ledger::TransferRequest& sale, std::int64_t n) {
  return ledger::ReserveRequest{.principal = sale.principal,
                                .key = sale.key,
                                .debit_account = sale.debit_account,
                                .credit_account = sale.credit_account,
                                .amount_minor = sale.amount_minor,
                                .currency = sale.currency,
                                .memo = fmt::format("hold {}", n)};
}

std::int64_t sequence_of(const ledger::TransferResult& result, const char* where) {
  expect_created(result, where);
  if (!result.sequence) throw std::runtime_error(fmt::format("{}: no journal sequence", where));
  return *result.sequence;
}

// Books `count` transfers (in batches), 2 x `count` reserves, a post of each of the first
// `count` of them, a void of each of the others, and a full reverse of each transfer.
// Every key is a fresh random UUID, as in the transfer replays. Each operation is booked
// in one run, so that its key records lie together as the transfers' do: interleaved, a
// replay of one operation would find a third as many of its records per page read.
CompletedRequests book_every_operation(ledger::Ledger& engine, KeyGen& keys, std::int64_t count,
                                       int batch_size) {
  const Sales sales;
  CompletedRequests done;
  std::vector<std::int64_t> transfer_sequences;
  for (std::int64_t n = 0; n < count; n += batch_size) {
    auto requests =
        sales.batch(keys, n, static_cast<int>(std::min<std::int64_t>(batch_size, count - n)));
    for (const auto& result : engine.transfer_batch(requests)) {
      transfer_sequences.push_back(sequence_of(result, "replay: booking the transfers"));
    }
    for (auto& request : requests) done.transfers.push_back(std::move(request));
  }
  std::vector<ledger::ReserveRequest> holds;
  std::vector<std::int64_t> hold_sequences;
  for (std::int64_t n = 0; n < 2 * count; ++n) {
    holds.push_back(hold_of(sales.next(keys, n), n));
    hold_sequences.push_back(
        sequence_of(engine.reserve(holds.back()), "replay: booking the reserves"));
  }
  const auto each = static_cast<std::size_t>(count);
  for (std::size_t i = 0; i < each; ++i) {
    done.posts.push_back({.principal = holds[i].principal,
                          .key = keys.uuid_v4(),
                          .pending_sequence = hold_sequences[i],
                          .amount_minor = 0,
                          .memo = fmt::format("capture {}", i)});
    (void)sequence_of(engine.post(done.posts.back()), "replay: booking the posts");
  }
  for (std::size_t i = each; i < 2 * each; ++i) {
    done.voids.push_back({.principal = holds[i].principal,
                          .key = keys.uuid_v4(),
                          .pending_sequence = hold_sequences[i],
                          .memo = fmt::format("release {}", i)});
    (void)sequence_of(engine.void_pending(done.voids.back()), "replay: booking the voids");
  }
  for (std::size_t i = 0; i < each; ++i) {
    done.reverses.push_back({.principal = done.transfers[i].principal,
                             .key = keys.uuid_v4(),
                             .original_sequence = transfer_sequences[i],
                             .amount_minor = 0,
                             .memo = fmt::format("refund {}", i)});
    (void)sequence_of(engine.reverse(done.reverses.back()), "replay: booking the reverses");
  }
  holds.resize(each);  // the posted ones: one region of the file
  done.reserves = std::move(holds);
  return done;
}

ledger::TransferResult submit(ledger::Ledger& engine, const ledger::TransferRequest& request) {
  return engine.transfer(request);
}
ledger::TransferResult submit(ledger::Ledger& engine, const ledger::ReserveRequest& request) {
  return engine.reserve(request);
}
ledger::TransferResult submit(ledger::Ledger& engine, const ledger::PostRequest& request) {
  return engine.post(request);
}
ledger::TransferResult submit(ledger::Ledger& engine, const ledger::VoidRequest& request) {
  return engine.void_pending(request);
}
ledger::TransferResult submit(ledger::Ledger& engine, const ledger::ReverseRequest& request) {
  return engine.reverse(request);
}

// One operation's side of the rounds: its completed requests, walked in a shuffled order.
struct ReplaySide {
  std::string operation;
  std::function<int()> replay_next;
  Throughput done;
};

template <typename Request>
ReplaySide side_of(std::string operation, ledger::Ledger& engine,
                   const std::vector<Request>& requests) {
  auto replay_next = [&engine, &requests, cycle = Cycle(requests.size()), operation]() mutable {
    const ledger::TransferResult result = submit(engine, requests[cycle.next()]);
    if (!result.replayed || result.outcome != ledger::Outcome::created) {
      throw std::runtime_error(fmt::format("replay: a completed {} key was not replayed: {}{}",
                                           operation, ledger::to_string(result.outcome),
                                           result.replayed ? " (replayed)" : ""));
    }
    return 1;
  };
  return ReplaySide{std::move(operation), std::move(replay_next), {}};
}

}  // namespace

void run_operation_replays(const Config& config, Report& report) {
  const std::string path = db_path(config, "replay-operations.db");
  {
    KeyGen keys(config.seed, 5);
    CompletedRequests booked;
    {
      // Booked without an fsync per commit, to keep the set-up short; the replays that are
      // measured read only, so the durability they run with changes nothing in them.
      Config setup = config;
      setup.durability = ledger::Durability::normal;
      ledger::Ledger engine = open_engine(path, setup);
      booked = book_every_operation(engine, keys, config.replay_operation_keys, config.batch_size);
    }
    // Each side walks a shuffled copy, as the transfer replays do (see shuffled_copy).
    const auto transfers = shuffled_copy(booked.transfers, keys);
    const auto reserves = shuffled_copy(booked.reserves, keys);
    const auto posts = shuffled_copy(booked.posts, keys);
    const auto voids = shuffled_copy(booked.voids, keys);
    const auto reverses = shuffled_copy(booked.reverses, keys);
    booked = {};
    ledger::Ledger engine = open_engine(path, config);
    std::vector<ReplaySide> sides;
    sides.push_back(side_of("transfer", engine, transfers));
    sides.push_back(side_of("reserve", engine, reserves));
    sides.push_back(side_of("post", engine, posts));
    sides.push_back(side_of("void", engine, voids));
    sides.push_back(side_of("reverse", engine, reverses));
    // A fresh connection: one untimed pass over every key first, so that no side starts
    // with a colder page cache than the others.
    for (ReplaySide& side : sides) {
      for (std::int64_t i = 0; i < config.replay_operation_keys; ++i) side.replay_next();
    }
    const int count = static_cast<int>(sides.size());
    for (int round = 0; round < config.rounds; ++round) {
      // Rotated, as the transfer replays' sides are: none always follows the same one.
      for (int at = 0; at < count; ++at) {
        ReplaySide& side = sides[static_cast<std::size_t>((round + at) % count)];
        side.done += run_for(config.replay_operation_seconds, side.replay_next);
      }
    }
    report.add("replay_operation_keys", static_cast<double>(config.replay_operation_keys), "keys");
    for (const ReplaySide& side : sides) {
      report.add(fmt::format("replay_{}_rate", side.operation), side.done.rate(), "replays/s");
    }
    const double transfer_rate = sides.front().done.rate();
    for (const ReplaySide& side : sides) {
      if (&side == &sides.front()) continue;
      report.add(fmt::format("ratio_replay_{}_vs_transfer", side.operation),
                 side.done.rate() / transfer_rate, "", 3);
    }
  }
  remove_db(config, path);
}

}  // namespace bench
