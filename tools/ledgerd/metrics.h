// ledgerd's Prometheus metrics (prometheus-cpp core: a Registry serialised with the
// TextSerializer; no exposer thread, GET /metrics answers with the text):
//   ledgerd_http_requests_total{status}            every response, by status
//   ledgerd_idempotent_replays_total               responses that replayed a stored outcome
//   ledgerd_idempotency_conflicts_total{code}      422s: key reused, unknown, expired, ...
//   ledgerd_commit_seconds                         histogram: a write's time until durable
//   ledgerd_group_commits_total, ledgerd_group_commit_transfers_total,
//   ledgerd_group_commit_largest, ledgerd_group_commit_queued
//                                                  SharedLedger::stats(): groups booked,
//                                                  transfers in them (their ratio is the mean
//                                                  group size), largest group, queue now
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "ledger/shared_ledger.h"

namespace prometheus {
class Registry;
class Counter;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace ledgerd {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Thread-safe, as prometheus-cpp's metrics are.
  void count_response(int status);
  void count_replay();
  void count_conflict(std::string_view code);
  void observe_commit(std::chrono::steady_clock::duration elapsed);

  // The text exposition format of every metric, the group-commit ones taken from `stats`.
  [[nodiscard]] std::string scrape(const ledger::GroupCommitStats& stats);

 private:
  void update_group_commit(const ledger::GroupCommitStats& stats);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Counter>* conflicts_;
  prometheus::Counter* replays_;
  prometheus::Histogram* commit_seconds_;
  struct GroupCommit;
  std::unique_ptr<GroupCommit> group_commit_;
  std::mutex scrape_mutex_;  // the group-commit counters advance by one scrape's delta
};

}  // namespace ledgerd
