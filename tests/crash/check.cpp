// The exactly-once check: see check.h.
#include "check.h"

#include <fmt/format.h>

#include <algorithm>

#include "model.h"

namespace crash {
namespace {

using ledger::Outcome;

void check_verify(ledger::Ledger& ledger, const char* when, Report& report) {
  ledger::VerifyReport verify = ledger.verify();
  for (const ledger::Violation& v : verify.violations) {
    report.violation(fmt::format("verify {}: {} at {}: {}", when, v.kind, v.where, v.detail));
  }
}

// Tracks whether the acknowledged keys that are missing form a suffix.
struct LossTracker {
  bool lost_seen = false;
  std::string first_lost;
};

class Checker {
 public:
  Checker(ledger::Ledger& ledger, Workload workload, std::uint64_t seed,
          const CheckOptions& options, Report& report)
      : ledger_(ledger),
        workload_(workload),
        seed_(seed),
        options_(options),
        report_(report),
        model_(workload) {}

  void first_retries(const StreamHistory& stream);
  void second_retries(const StreamHistory& stream);
  void check_journal();
  void check_linked_batches();
  void check_balances();
  void check_holds();

 private:
  void first_retry(const std::string& key, const ledger::TransferResult& result, Outcome expected,
                   const Ack* ack, LossTracker& loss);

  ledger::Ledger& ledger_;
  Workload workload_;
  std::uint64_t seed_;
  const CheckOptions& options_;
  Report& report_;
  Model model_;
  std::map<std::string, ledger::TransferResult> first_;   // by key
  std::vector<std::vector<std::string>> linked_batches_;  // the keys of each
  std::map<std::string, std::int64_t> sequence_of_;       // journal row by key
};

// Retries one key for the first time after the crash and compares with what was known.
void Checker::first_retry(const std::string& key, const ledger::TransferResult& result,
                          Outcome expected, const Ack* ack, LossTracker& loss) {
  if (result.outcome != expected) {
    report_.violation(fmt::format("key {}: outcome {} (replayed={}), the model expects {}", key,
                                  ledger::to_string(result.outcome), result.replayed,
                                  ledger::to_string(expected)));
  }
  if (result.replayed && loss.lost_seen) {
    report_.violation(fmt::format(
        "key {} survived but the earlier acknowledged key {} was lost: the lost keys are not "
        "a suffix",
        key, loss.first_lost));
  }
  if (ack == nullptr) return;
  if (!result.replayed) {
    report_.count("check.acknowledged_lost");
    if (!options_.allow_lost_suffix) {
      report_.violation(
          fmt::format("key {}: acknowledged ({}) before the crash but executed again on retry", key,
                      ack->outcome));
    }
    if (!loss.lost_seen) loss.first_lost = key;
    loss.lost_seen = true;
    return;
  }
  if (result.body != ack->body || ack->outcome != ledger::to_string(result.outcome)) {
    report_.violation(fmt::format(
        "key {}: replay differs from the acknowledged response\n  acked:  {} {}\n  replay: {} {}",
        key, ack->outcome, ack->body, ledger::to_string(result.outcome), result.body));
  }
}

void Checker::first_retries(const StreamHistory& stream) {
  LossTracker loss;
  for (std::int64_t index : stream.attempted) {
    Op op = make_op(workload_, seed_, stream.principal, index);
    if (op.kind == OpKind::expire) {
      (void)ledger_.expire_pending();  // a retry of the sweep; the model knows no more
      report_.count("check.expiry_sweeps");
      continue;
    }
    auto results = run_op(ledger_, op);
    auto keys = op_keys(op);
    if (results.size() != keys.size()) {
      report_.violation(fmt::format("operation {} of {}: {} results for {} keys", index,
                                    stream.principal, results.size(), keys.size()));
      continue;
    }
    std::vector<Outcome> observed;
    for (const auto& result : results) observed.push_back(result.outcome);
    auto expected = model_.apply(op, observed);
    auto acked = stream.acked.find(index);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const Ack* ack =
          acked != stream.acked.end() && i < acked->second.size() ? &acked->second[i] : nullptr;
      first_retry(keys[i], results[i], expected[i], ack, loss);
      first_[keys[i]] = results[i];
      report_.count("check.keys_retried");
      report_.count(
          fmt::format("outcome.{}.{}", to_string(op.kind), ledger::to_string(expected[i])));
    }
    if (op.kind == OpKind::linked_batch) linked_batches_.push_back(keys);
  }
}

// Every key is now stored: a second retry must replay the first retry's bytes.
void Checker::second_retries(const StreamHistory& stream) {
  for (std::int64_t index : stream.attempted) {
    Op op = make_op(workload_, seed_, stream.principal, index);
    if (op.kind == OpKind::expire) continue;
    auto results = run_op(ledger_, op);
    auto keys = op_keys(op);
    for (std::size_t i = 0; i < keys.size() && i < results.size(); ++i) {
      const ledger::TransferResult& again = results[i];
      const ledger::TransferResult& before = first_[keys[i]];
      if (!again.replayed || again.body != before.body || again.outcome != before.outcome) {
        report_.violation(fmt::format(
            "key {}: second retry is not a byte-identical replay (replayed={}, {} then {})",
            keys[i], again.replayed, ledger::to_string(before.outcome),
            ledger::to_string(again.outcome)));
      }
    }
  }
}

void Checker::check_journal() {
  const auto& rows = model_.rows();
  std::int64_t count = 0;
  for (std::int64_t since = 1;;) {
    auto page = ledger_.journal(since, 1000);
    for (const ledger::JournalEntry& entry : page) {
      ++count;
      since = entry.sequence + 1;
      std::string where =
          fmt::format("journal seq {} ({} of key {})", entry.sequence, entry.kind, entry.key);
      if (!sequence_of_.emplace(entry.key, entry.sequence).second) {
        report_.violation(fmt::format("{}: a second row for the key (the first is seq {})", where,
                                      sequence_of_[entry.key]));
        continue;
      }
      auto model = rows.find(entry.key);
      if (model == rows.end()) {
        report_.violation(where + ": the key is not a created operation of the workload");
        continue;
      }
      const ModelRow& row = model->second;
      if (entry.kind != row.kind || entry.debit_account != row.debit ||
          entry.credit_account != row.credit || entry.amount_minor != row.amount_minor) {
        report_.violation(fmt::format("{}: {} {} -> {} {}, the model says {} {} -> {} {}", where,
                                      entry.kind, entry.debit_account, entry.credit_account,
                                      entry.amount_minor, row.kind, row.debit, row.credit,
                                      row.amount_minor));
      }
      std::optional<std::int64_t> ref;
      if (!row.ref_key.empty() && sequence_of_.count(row.ref_key) != 0) {
        ref = sequence_of_[row.ref_key];
      }
      if (entry.ref_sequence != ref || ref.has_value() != !row.ref_key.empty()) {
        report_.violation(fmt::format("{}: refers to seq {}, the model says the row of key {}",
                                      where, entry.ref_sequence.value_or(0), row.ref_key));
      }
    }
    if (page.size() < 1000) break;
  }
  if (count != static_cast<std::int64_t>(rows.size())) {
    report_.violation(
        fmt::format("the journal has {} rows for {} created keys", count, rows.size()));
  }
}

void Checker::check_linked_batches() {
  for (const auto& keys : linked_batches_) {
    std::size_t with_rows = 0;
    for (const auto& key : keys) with_rows += sequence_of_.count(key);
    if (with_rows != 0 && with_rows != keys.size()) {
      report_.violation(fmt::format("linked batch {}: {} of its {} items moved money", keys[0],
                                    with_rows, keys.size()));
    }
  }
}

void Checker::check_balances() {
  for (const auto& [code, posted] : model_.posted()) {
    auto account = ledger_.find_account(code);
    if (!account) {
      report_.violation(fmt::format("account {} is missing", code));
      continue;
    }
    std::int64_t held = model_.held().at(code);
    std::int64_t maybe = model_.maybe_held().at(code);
    if (account->balance_minor != posted) {
      report_.violation(fmt::format("account {}: posted balance {}, the model says {}", code,
                                    account->balance_minor, posted));
    }
    // Holds that may have timed out: between none and all of them may still be held.
    if (account->pending_minor < held || account->pending_minor > held + maybe) {
      report_.violation(fmt::format("account {}: {} held, the model says {}{}", code,
                                    account->pending_minor, held,
                                    maybe == 0 ? "" : fmt::format(" to {}", held + maybe)));
    } else if (maybe == 0 && account->available_minor() != posted - held) {
      report_.violation(fmt::format("account {}: {} available, the model says {}", code,
                                    account->available_minor(), posted - held));
    }
  }
}

// The states list_pending may show for a hold in the model's state.
std::vector<ledger::PendingState> possible_states(HoldState state) {
  using ledger::PendingState;
  switch (state) {
    case HoldState::open:
      return {PendingState::pending};
    case HoldState::open_or_expired:
      return {PendingState::pending, PendingState::expired};
    case HoldState::posted:
      return {PendingState::posted};
    case HoldState::voided:
      return {PendingState::voided};
    case HoldState::expired:
      return {PendingState::expired};
  }
  return {};
}

void Checker::check_holds() {
  std::map<std::string, ledger::PendingTransfer> engine;
  for (auto& hold : ledger_.list_pending(std::nullopt, 1'000'000)) engine[hold.key] = hold;
  for (const auto& [key, hold] : model_.holds()) {
    auto it = engine.find(key);
    if (it == engine.end()) {
      report_.violation(fmt::format("hold of key {}: list_pending does not show it", key));
      continue;
    }
    const ledger::PendingTransfer& found = it->second;
    auto possible = possible_states(hold.state);
    bool state_ok = std::find(possible.begin(), possible.end(), found.state) != possible.end();
    bool finished = hold.state == HoldState::posted || hold.state == HoldState::voided;
    std::optional<std::int64_t> by;
    if (finished && sequence_of_.count(hold.finished_by) != 0) by = sequence_of_[hold.finished_by];
    bool ok = state_ok && found.finished_sequence == by &&
              (hold.state != HoldState::posted || found.posted_amount_minor == hold.posted_minor);
    if (!ok) {
      report_.violation(fmt::format(
          "hold of key {}: {} (posted {}, finished by seq {}), the model says {} (posted {}, "
          "finished by key {})",
          key, ledger::to_string(found.state), found.posted_amount_minor,
          found.finished_sequence.value_or(0), ledger::to_string(possible.at(0)), hold.posted_minor,
          hold.finished_by));
    }
    engine.erase(it);
  }
  for (const auto& [key, found] : engine) {
    report_.violation(
        fmt::format("hold of key {} (seq {}): the model has no such hold", key, found.sequence));
  }
}

}  // namespace

void check_exactly_once(const std::string& db_path, Workload workload, std::uint64_t seed,
                        const std::vector<StreamHistory>& streams, const CheckOptions& options,
                        Report& total) {
  Report report;
  try {
    // The child may have died before it created the file: then there is nothing to lose,
    // and every other loss shows up as a missing acknowledged key below.
    auto ledger = ledger::Ledger::open(db_path);
    check_verify(ledger, "after the crash", report);
    ensure_accounts(ledger, workload);
    Checker checker(ledger, workload, seed, options, report);
    for (const StreamHistory& stream : streams) checker.first_retries(stream);
    for (const StreamHistory& stream : streams) checker.second_retries(stream);
    checker.check_journal();
    checker.check_linked_batches();
    checker.check_balances();
    checker.check_holds();
    check_verify(ledger, "after the retries", report);
  } catch (const ledger::Error& e) {
    report.violation(fmt::format("recovery failed with ledger::Error {} (sqlite {}): {}",
                                 ledger::to_string(e.code()), e.sqlite_code(), e.what()));
  } catch (const std::exception& e) {
    report.violation(fmt::format("recovery failed with a non-ledger exception: {}", e.what()));
  }
  total.merge(report, options.context);
}

}  // namespace crash
