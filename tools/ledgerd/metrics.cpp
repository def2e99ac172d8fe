#include "metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace ledgerd {

// SharedLedger counts since it was made; the Prometheus counters advance by the difference
// at each scrape, so that they stay counters (rate() works) rather than gauges.
struct Metrics::GroupCommit {
  prometheus::Counter* commits;
  prometheus::Counter* transfers;
  prometheus::Gauge* largest;
  prometheus::Gauge* queued;
  ledger::GroupCommitStats seen;
};

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("ledgerd_http_requests_total")
                   .Help("HTTP responses by status")
                   .Register(*registry_);
  conflicts_ = &prometheus::BuildCounter()
                    .Name("ledgerd_idempotency_conflicts_total")
                    .Help("idempotency conflicts (422) by error code")
                    .Register(*registry_);
  replays_ = &prometheus::BuildCounter()
                  .Name("ledgerd_idempotent_replays_total")
                  .Help("responses that replayed a stored outcome (Idempotent-Replayed)")
                  .Register(*registry_)
                  .Add({});
  // From a fast group commit (well under a millisecond) to a commit that waited for the
  // busy timeout.
  commit_seconds_ =
      &prometheus::BuildHistogram()
           .Name("ledgerd_commit_seconds")
           .Help("time of a money-moving write until it was durable or refused")
           .Register(*registry_)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                            0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  auto counter = [&](const char* name, const char* help) -> prometheus::Counter& {
    return prometheus::BuildCounter().Name(name).Help(help).Register(*registry_).Add({});
  };
  auto gauge = [&](const char* name, const char* help) -> prometheus::Gauge& {
    return prometheus::BuildGauge().Name(name).Help(help).Register(*registry_).Add({});
  };
  group_commit_ = std::make_unique<GroupCommit>(GroupCommit{
      &counter("ledgerd_group_commits_total", "group commits (one transaction each)"),
      &counter("ledgerd_group_commit_transfers_total", "transfers booked by group commits"),
      &gauge("ledgerd_group_commit_largest", "transfers in the largest group so far"),
      &gauge("ledgerd_group_commit_queued", "transfers waiting for a group now"),
      {}});
}

Metrics::~Metrics() = default;

void Metrics::count_response(int status) {
  requests_->Add({{"status", std::to_string(status)}}).Increment();
}

void Metrics::count_replay() { replays_->Increment(); }

void Metrics::count_conflict(std::string_view code) {
  conflicts_->Add({{"code", std::string(code)}}).Increment();
}

void Metrics::observe_commit(std::chrono::steady_clock::duration elapsed) {
  commit_seconds_->Observe(std::chrono::duration<double>(elapsed).count());
}

void Metrics::update_group_commit(const ledger::GroupCommitStats& stats) {
  GroupCommit& g = *group_commit_;
  g.commits->Increment(static_cast<double>(stats.commits - g.seen.commits));
  g.transfers->Increment(static_cast<double>(stats.transfers - g.seen.transfers));
  g.largest->Set(static_cast<double>(stats.largest_batch));
  g.queued->Set(static_cast<double>(stats.queued));
  g.seen = stats;
}

std::string Metrics::scrape(const ledger::GroupCommitStats& stats) {
  std::lock_guard lock(scrape_mutex_);
  update_group_commit(stats);
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace ledgerd
