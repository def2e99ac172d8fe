// pos-sim --remote: the till. It sells through ledger::Client, which hides the network's
// failures behind one key per sale, and then checks what the server says against what the
// till was told: the till's balance grew by exactly the sum of the created sales, and every
// created sale's stored body is that sale.
#include <fmt/core.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "ledger/client.h"
#include "ledger/error.h"
#include "ledger/money.h"
#include "remote.h"

namespace pos_sim {
namespace {

using json = nlohmann::json;

constexpr int kExitOk = 0;
constexpr int kExitCheckFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnanswered = 3;

// A failure that ends the run with `exit_code`.
struct RunFailure {
  int exit_code;
  std::string message;
};

struct Tally {
  int sales = 0;
  int created = 0;
  int rejected = 0;
  int replayed = 0;
  int attempts = 0;
  std::map<std::string, int> retries_by_cause;
  std::int64_t created_minor = 0;
  int body_mismatches = 0;
};

std::string till_account(const RemoteConfig& config) { return fmt::format("till:{}", config.till); }

// An answer is final when the retries could not have changed it: anything but no answer
// and the statuses the client retries.
bool final_answer(int status) {
  return status != 0 && status != 409 && status != 429 && status != 500 && status != 503;
}

RunFailure failure(const ledger::Reply& reply, const std::string& what) {
  const json body = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  std::string said = reply.status == 0 ? "no answer (" + reply.transport_error + ")"
                                       : fmt::format("status {}", reply.status);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    said += " " + body["error"].dump();
  }
  return {final_answer(reply.status) ? kExitCheckFailed : kExitUnanswered,
          fmt::format("{}: {} after {} attempt(s){}", what, said, reply.attempts,
                      reply.key.empty() ? "" : "; key " + reply.key)};
}

ledger::Client make_client(const RemoteConfig& config) {
  ledger::ClientOptions options;
  options.base_url = config.url;
  options.token = config.token;
  options.ca_file = config.ca_cert;
  options.key_source =
      config.key_source == "server" ? ledger::KeySource::server : ledger::KeySource::client;
  options.retry.deadline = std::chrono::seconds(config.deadline_seconds);
  options.retry.max_attempts = 1000;  // the deadline is the bound that matters for a till
  try {
    return ledger::Client(options);
  } catch (const ledger::Error& error) {
    throw RunFailure{kExitUsage, error.what()};
  }
}

std::int64_t units(std::int64_t whole, int exponent) {
  std::int64_t minor = whole;
  for (int i = 0; i < exponent; ++i) minor *= 10;
  return minor;
}

void create_if_missing(ledger::Client& client, const std::string& code,
                       const RemoteConfig& config, const std::string& overdraft) {
  ledger::AccountCall call;
  call.code = code;
  call.currency = config.currency;
  call.overdraft = overdraft;
  call.name = "pos-sim " + code;
  const ledger::Reply reply = client.create_account(call);
  if (reply.status != 201 && reply.status != 409) {  // 409: already there, fine
    throw failure(reply, "creating account " + code);
  }
}

// --setup: the accounts, and each customer's one funding (key fund-customer:X, so a
// second till or a second run replays it instead of funding twice).
void set_up(ledger::Client& client, const RemoteConfig& config, int exponent) {
  create_if_missing(client, "world", config, "unlimited");
  create_if_missing(client, till_account(config), config, "none");
  for (int x = 1; x <= config.customers; ++x) {
    const std::string customer = fmt::format("customer:{}", x);
    create_if_missing(client, customer, config, "none");
    ledger::TransferCall fund;
    fund.key = "fund-" + customer;
    fund.from = "world";
    fund.to = customer;
    fund.amount_minor = units(500, exponent);
    fund.currency = config.currency;
    fund.memo = "pos-sim opening balance";
    const ledger::Reply reply = client.transfer(fund);
    if (reply.status != 201) throw failure(reply, "funding " + customer);
  }
  fmt::print("set-up: world, {} and customer:1..{} exist; each customer funded once\n",
             till_account(config), config.customers);
}

std::int64_t balance_of(ledger::Client& client, const std::string& code) {
  const ledger::Reply reply = client.account(code);
  const json body = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (reply.status != 200 || !body.is_object() || !body.contains("balance_minor") ||
      !body["balance_minor"].is_number_integer()) {
    throw failure(reply, "reading the balance of " + code);
  }
  return body["balance_minor"].get<std::int64_t>();
}

// A created sale's stored body must describe this sale (its key, accounts and amount).
bool body_matches(const ledger::Reply& reply, const ledger::TransferCall& sale) {
  const json body = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  return body.is_object() && body.value("status", "") == "created" &&
         body.value("key", "") == reply.key && body.value("from", "") == sale.from &&
         body.value("to", "") == sale.to &&
         body.value("amount_minor", std::int64_t{-1}) == sale.amount_minor;
}

void record(Tally& tally, const ledger::Reply& reply, const ledger::TransferCall& sale) {
  tally.attempts += reply.attempts;
  for (const auto& retry : reply.retries) ++tally.retries_by_cause[retry.cause];
  tally.replayed += reply.replayed ? 1 : 0;
  if (reply.status == 201) {
    ++tally.created;
    tally.created_minor += sale.amount_minor;
    if (!body_matches(reply, sale)) ++tally.body_mismatches;
  } else if (reply.status == 402) {
    ++tally.rejected;
  }
}

json outcome_line(int sale_number, const ledger::Reply& reply, const ledger::TransferCall& sale) {
  return {{"sale", sale_number},         {"key", reply.key},
          {"from", sale.from},           {"to", sale.to},
          {"amount_minor", sale.amount_minor}, {"currency", sale.currency},
          {"status", reply.status},      {"replayed", reply.replayed},
          {"attempts", reply.attempts},  {"body", reply.body}};
}

void print_summary(const RemoteConfig& config, const Tally& tally, std::int64_t growth,
                   int exponent) {
  std::string causes;
  for (const auto& [cause, count] : tally.retries_by_cause) {
    causes += fmt::format("{}{} {}", causes.empty() ? "" : ", ", count, cause);
  }
  int retries = tally.attempts - tally.sales;
  fmt::print("sales      {}\ncreated    {}\nrejected   {}\nreplayed   {}\nattempts   {}\n"
             "retries    {}{}\n",
             tally.sales, tally.created, tally.rejected, tally.replayed, tally.attempts, retries,
             causes.empty() ? "" : " (" + causes + ")");
  fmt::print("{} grew by {} {}; its created sales sum to {} {}\n", till_account(config),
             ledger::format_amount(growth, exponent), config.currency,
             ledger::format_amount(tally.created_minor, exponent), config.currency);
}

// Sells config.sales items; stops at the first sale without a final 201 or 402.
std::optional<RunFailure> sell(ledger::Client& client, const RemoteConfig& config, int exponent,
                               std::uint64_t seed, Tally& tally, std::ofstream* outcomes) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> customer(1, config.customers);
  std::uniform_int_distribution<std::int64_t> amount(units(1, exponent), units(50, exponent));
  for (int i = 1; i <= config.sales; ++i) {
    ledger::TransferCall sale;
    sale.from = fmt::format("customer:{}", customer(rng));
    sale.to = till_account(config);
    sale.amount_minor = amount(rng);
    sale.currency = config.currency;
    sale.memo = fmt::format("till {} sale {}", config.till, i);
    const ledger::Reply reply = client.transfer(sale);  // the client picks the sale's key
    ++tally.sales;
    record(tally, reply, sale);
    if (outcomes) *outcomes << outcome_line(i, reply, sale).dump() << '\n';
    if (config.verbose) {
      fmt::print("sale {}: {} -> {} {} status {}{} after {} attempt(s), key {}\n", i, sale.from,
                 sale.to, ledger::format_amount(sale.amount_minor, exponent), reply.status,
                 reply.replayed ? " (replayed)" : "", reply.attempts, reply.key);
    }
    if (reply.status != 201 && reply.status != 402) return failure(reply, fmt::format("sale {}", i));
  }
  return std::nullopt;
}

int run(const RemoteConfig& config) {
  const std::optional<int> exponent = ledger::currency_exponent(config.currency);
  if (!exponent) throw RunFailure{kExitUsage, "unknown --currency " + config.currency};
  const std::uint64_t seed = config.seed ? *config.seed : std::random_device{}();
  fmt::print("pos-sim --remote {}: till {}, {} sales, {} customers, seed {}, keys from {}\n",
             config.url, config.till, config.sales, config.customers, seed, config.key_source);
  ledger::Client client = make_client(config);
  if (config.setup) set_up(client, config, *exponent);
  std::unique_ptr<std::ofstream> outcomes;
  if (!config.outcomes_path.empty()) {
    outcomes = std::make_unique<std::ofstream>(config.outcomes_path, std::ios::trunc);
    if (!*outcomes) throw RunFailure{kExitUsage, "cannot write --outcomes " + config.outcomes_path};
  }
  const std::int64_t before = balance_of(client, till_account(config));
  Tally tally;
  const std::optional<RunFailure> stopped =
      sell(client, config, *exponent, seed, tally, outcomes.get());
  if (outcomes) outcomes->flush();
  const std::int64_t growth = balance_of(client, till_account(config)) - before;
  print_summary(config, tally, growth, *exponent);
  if (stopped) throw *stopped;
  if (growth != tally.created_minor || tally.body_mismatches != 0) {
    fmt::print("FAILED: {} created sale bodies do not match their sale; the balance {}\n",
               tally.body_mismatches,
               growth == tally.created_minor ? "matches" : "does NOT match the created sales");
    return kExitCheckFailed;
  }
  fmt::print("ok: every sale final, the till charged exactly once per created sale\n");
  return kExitOk;
}

}  // namespace

int run_remote_till(const RemoteConfig& config) {
  try {
    return run(config);
  } catch (const RunFailure& failure) {
    std::fflush(stdout);
    fmt::print(stderr, "pos-sim: {}\n", failure.message);
    return failure.exit_code;
  } catch (const std::exception& error) {
    std::fflush(stdout);
    fmt::print(stderr, "pos-sim: {}\n", error.what());
    return kExitUnanswered;
  }
}

}  // namespace pos_sim
