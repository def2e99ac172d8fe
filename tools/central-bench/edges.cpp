#include "edges.h"

#include <fmt/format.h>

#include <atomic>
#include <exception>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <thread>

#include "crypto.h"
#include "edge_snapshot.h"
#include "ledger/ledger.h"
#include "journal_copy.h"
#include "report.h"

namespace central_bench {
namespace {

// 2024-03-01 00:00:00 UTC: the first sale of every edge ledger.
constexpr std::int64_t kFirstSaleMs = 1709251200000;
constexpr std::int64_t kSpanMs = 14LL * 24 * 3600 * 1000;  // the journal spans 14 days
constexpr int kBatch = 250;  // one engine commit (one journal time) per 250 rows

const char* const kItems[] = {"espresso",     "croissant",        "Café crème",
                              "bretzel",      "Müsli 500 g",      "jus d'orange",
                              "eau pétillante 50cl", "salade niçoise", "thé vert",
                              "sandwich jambon-beurre", "Brötchen ×6", "tarte aux pommes"};
const char* const kCashiers[] = {"cashier:anna", "cashier:bruno", "cashier:chloé"};

struct Account {
  const char* code;
  const char* name;
  ledger::OverdraftRule overdraft;
};

const Account kAccounts[] = {
    {"world", "customers", ledger::OverdraftRule::unlimited},
    {"till:cash", "cash drawer", ledger::OverdraftRule::none},
    {"till:card", "card terminal", ledger::OverdraftRule::none},
    {"till:voucher", "vouchers", ledger::OverdraftRule::none},
    {"tips", "tips jar", ledger::OverdraftRule::none},
    {"bank:deposits", "bank deposits", ledger::OverdraftRule::none},
    {"refunds", "refunds paid", ledger::OverdraftRule::unlimited},
};

// Fills one ledger with `rows` transfers; each call of transfer_batch is one commit.
void fill(const std::string& path, std::int64_t rows, std::uint64_t seed) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  auto batches = std::make_shared<std::atomic<std::int64_t>>(0);
  const std::int64_t step_ms = kSpanMs / std::max<std::int64_t>(1, (rows + kBatch - 1) / kBatch);
  ledger::Options options;
  options.durability = ledger::Durability::normal;
  options.allow_client_keys = true;
  // Journal time: the engine reads the clock once per write transaction (one batch).
  options.clock_ms = [batches, step_ms] { return kFirstSaleMs + *batches * step_ms; };
  ledger::Ledger engine = ledger::Ledger::open(path, options);
  for (const Account& account : kAccounts) {
    engine.create_account({.code = account.code,
                           .currency = "EUR",
                           .overdraft = account.overdraft,
                           .overdraft_limit_minor = 0,
                           .name = account.name});
  }
  std::mt19937_64 rng(seed);
  auto below = [&rng](std::uint64_t n) { return rng() % n; };
  std::int64_t cash = 0, card = 0;
  std::vector<ledger::TransferRequest> batch;
  for (std::int64_t n = 1; n <= rows;) {
    batch.clear();
    for (int i = 0; i < kBatch && n <= rows; ++i, ++n) {
      ledger::TransferRequest request;
      request.principal = kCashiers[below(3)];
      request.key = fmt::format("{:016x}{:016x}", rng(), rng());
      request.currency = "EUR";
      const std::uint64_t pick = below(100);
      if (n % 97 == 0 && cash > 0) {  // the cash drawer emptied to the bank
        request.debit_account = "till:cash";
        request.credit_account = "bank:deposits";
        request.amount_minor = cash;
        request.memo = fmt::format("deposit slip {:05d}", n / 97);
        cash = 0;
      } else if (n % 53 == 0 && card > 1000) {  // a refund to the card
        request.debit_account = "till:card";
        request.credit_account = "refunds";
        request.amount_minor = 1 + static_cast<std::int64_t>(below(1000));
        request.memo = fmt::format("refund of receipt {:06d}: {}", n - 1 - below(40),
                                   kItems[below(std::size(kItems))]);
        card -= request.amount_minor;
      } else {  // a sale
        request.debit_account = "world";
        request.credit_account = pick < 55   ? "till:cash"
                                 : pick < 92 ? "till:card"
                                 : pick < 97 ? "till:voucher"
                                             : "tips";
        request.amount_minor = 50 + static_cast<std::int64_t>(below(pick < 97 ? 8000 : 300));
        std::string memo = fmt::format("receipt {:06d} · {}× {}", n, 1 + below(3),
                                       kItems[below(std::size(kItems))]);
        for (std::uint64_t more = below(4); more > 0; --more) {
          memo += fmt::format(", {}", kItems[below(std::size(kItems))]);
        }
        if (n % 211 == 0) memo += "\tnote: C:\\till\\drawer 2";  // COPY escapes these
        request.memo = std::move(memo);
        if (request.credit_account == "till:cash") cash += request.amount_minor;
        if (request.credit_account == "till:card") card += request.amount_minor;
      }
      batch.push_back(std::move(request));
    }
    for (const ledger::TransferResult& result : engine.transfer_batch(batch)) {
      if (result.outcome != ledger::Outcome::created || result.replayed) {
        throw std::runtime_error(fmt::format("filling {}: a transfer was not created: {}", path,
                                             result.message));
      }
    }
    ++*batches;
  }
}

// The ledger id and journal length of an existing edge file, or nullopt.
std::optional<EdgeLedger> existing(const std::string& path) {
  if (!std::filesystem::exists(path)) return std::nullopt;
  try {
    ledger::central::EdgeSnapshot snapshot(path);
    return EdgeLedger{path, snapshot.ledger_id(), snapshot.last_seq()};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::vector<EdgeLedger> make_edges(const std::string& dir, int count, std::int64_t rows,
                                   int threads) {
  std::filesystem::create_directories(dir);
  std::vector<EdgeLedger> edges(static_cast<std::size_t>(count));
  std::atomic<int> next{0};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  std::atomic<int> made{0};
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        for (int i = next++; i < count; i = next++) {
          const std::string path = fmt::format("{}/edge-{:02d}.db", dir, i + 1);
          std::optional<EdgeLedger> found = existing(path);
          if (!found || found->rows != rows) {
            fill(path, rows, 0x5eed0000ULL + static_cast<std::uint64_t>(i));
            found = existing(path);
            ++made;
          }
          if (!found || found->rows != rows) {
            throw std::runtime_error(fmt::format("{}: expected {} journal rows", path, rows));
          }
          edges[static_cast<std::size_t>(i)] = *found;
        }
      } catch (...) {
        errors[static_cast<std::size_t>(t)] = std::current_exception();
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  Report::progress(fmt::format("{} edge ledgers of {} rows in {} ({} made, {} reused)", count,
                               rows, dir, made.load(), count - made.load()));
  return edges;
}

std::string render_copy_text(const EdgeLedger& edge) {
  ledger::central::EdgeSnapshot snapshot(edge.path);
  return ledger::central::journal_copy_text(
      edge.ledger_id, snapshot.rows(0, snapshot.last_seq()),
      std::string(ledger::detail::as_bytes(ledger::detail::genesis_hash())));
}

}  // namespace central_bench
