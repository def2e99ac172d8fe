// The crash suite's workloads, its model of the ledger, the side files a crashing child
// leaves behind, and the exactly-once check every scenario ends with.
//
// A workload is a deterministic stream of transfer requests per principal: request
// `index` of stream `principal` under `seed` is always the same, so the process that
// checks can rebuild exactly what a killed child sent from the key indices it recorded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ledger/ledger.h"

namespace crash {

// What a scenario did (figures, e.g. "crash.sigkill.random" -> 12) and what it found wrong.
struct Report {
  std::map<std::string, std::int64_t> figures;
  std::vector<std::string> violations;

  void count(const std::string& figure, std::int64_t n = 1) { figures[figure] += n; }
  void violation(const std::string& text) { violations.push_back(text); }
  void merge(const Report& other);
  [[nodiscard]] bool ok() const { return violations.empty(); }
  // The violations, one a line (at most `max_lines` of them).
  [[nodiscard]] std::string violations_text(std::size_t max_lines = 20) const;
};

enum class Workload {
  // One stream against customer accounts that cannot go negative: transfers are created
  // or rejected (insufficient funds, unknown account, currency mismatch) depending on the
  // balances, so the model must apply the requests in the order they were executed.
  sequential,
  // Many streams at once between accounts without a floor: every transfer is created
  // whatever the interleaving, so the model does not depend on the order.
  concurrent,
};

// Creates the workload's accounts that do not exist yet (safe to call after any crash).
void ensure_accounts(ledger::Ledger& ledger, Workload workload);

// Request `index` of stream `principal`; its key is unique per (seed, principal, index).
[[nodiscard]] ledger::TransferRequest make_request(Workload workload, std::uint64_t seed,
                                                   const std::string& principal,
                                                   std::int64_t index);

// The ledger's balance rules on plain integers, for the accounts of one workload.
class Model {
 public:
  explicit Model(Workload workload);
  // The outcome the engine must give `request` in the current state; applies it if created.
  ledger::Outcome apply(const ledger::TransferRequest& request);
  [[nodiscard]] const std::map<std::string, std::int64_t>& balances() const { return balance_; }

 private:
  struct Rule {
    std::string currency;
    ledger::OverdraftRule overdraft;
    std::int64_t limit_minor;
  };
  std::map<std::string, Rule> rules_;
  std::map<std::string, std::int64_t> balance_;
};

// What one stream attempted (before each attempt) and what it was told (after each answer).
struct Ack {
  std::string outcome;
  std::string body;
};
struct StreamHistory {
  std::string principal;
  std::vector<std::int64_t> attempted;  // first-attempt order, no duplicates
  std::map<std::int64_t, Ack> acked;
};

// Side files of a child process: `<dir>/<principal>.keys` gets the index of each transfer
// before it is attempted and `<dir>/<principal>.acks` the answer after; both are fsync'd
// so that what the parent reads is at least what the child knew when it died.
class SideFiles {
 public:
  SideFiles(const std::string& dir, const std::string& principal);
  ~SideFiles();
  SideFiles(const SideFiles&) = delete;
  SideFiles& operator=(const SideFiles&) = delete;
  void attempt(std::int64_t index);
  void ack(std::int64_t index, const ledger::TransferResult& result);

 private:
  int keys_fd_ = -1;
  int acks_fd_ = -1;
};
[[nodiscard]] StreamHistory load_history(const std::string& dir, const std::string& principal);
// Adds an attempt to a history kept in memory (in-process scenarios need no files).
void record_attempt(StreamHistory& history, std::int64_t index);

struct CheckOptions {
  // Durability::normal after a power loss: acknowledged transfers may be missing, but only
  // a suffix of them (the last ones before the crash).
  bool allow_lost_suffix = false;
};

// The end of every scenario. Reopens `db_path` and checks:
//  - verify() is ok, before and after the retries;
//  - retrying every attempted key (in attempt order) gives the model's outcome, and a key
//    acknowledged before the crash replays its byte-identical response (unless it was
//    lost, which only `allow_lost_suffix` permits, and only as a suffix);
//  - a second retry of every key replays the first retry's bytes;
//  - balances equal the model's; the journal has one row per created key and no other.
// Appends what is wrong to `report`; never throws.
void check_exactly_once(const std::string& db_path, Workload workload, std::uint64_t seed,
                        const std::vector<StreamHistory>& streams, const CheckOptions& options,
                        Report& report);

}  // namespace crash
