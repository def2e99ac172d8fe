// The model of the ledger's rules: see model.h. Each check is made in the engine's order
// (ledger::Outcome in types.h; pending.cpp, reverse.cpp and batch.cpp for the new ones).
#include "model.h"

#include <fmt/format.h>

#include <stdexcept>

namespace crash {

using ledger::Outcome;
using ledger::OverdraftRule;

Model::Model(Workload workload) {
  for (const AccountSpec& spec : accounts_of(workload)) {
    rules_[spec.code] = Rule{spec.currency, spec.overdraft, spec.limit_minor};
    posted_[spec.code] = 0;
    held_[spec.code] = 0;
    maybe_held_[spec.code] = 0;
  }
}

std::vector<Outcome> Model::apply(const Op& op, const std::vector<Outcome>& observed) {
  std::optional<Outcome> seen;
  if (!observed.empty()) seen = observed[0];
  switch (op.kind) {
    case OpKind::transfer:
      return {transfer(op.items.at(0))};
    case OpKind::batch: {
      std::vector<Outcome> outcomes;
      for (const auto& item : op.items) outcomes.push_back(transfer(item));
      return outcomes;
    }
    case OpKind::linked_batch:
      return linked_batch(op);
    case OpKind::reserve:
      return {reserve(op.reserve)};
    case OpKind::post:
      return {finish_hold(op, true, seen)};
    case OpKind::void_pending:
      return {finish_hold(op, false, seen)};
    case OpKind::reverse:
      return {reverse(op)};
    case OpKind::expire:
      return {};
    case OpKind::close:
      return {Outcome::created};  // moves nothing; closes up to now, never refused
  }
  return {};
}

std::optional<Outcome> Model::check_accounts(const std::string& debit, const std::string& credit,
                                             const std::string& currency) const {
  auto d = rules_.find(debit);
  if (d == rules_.end()) return Outcome::debit_account_not_found;
  auto c = rules_.find(credit);
  if (c == rules_.end()) return Outcome::credit_account_not_found;
  if (d->second.currency != currency || c->second.currency != currency) {
    return Outcome::currency_mismatch;
  }
  return std::nullopt;
}

// The overdraft rule applies to the available balance: posted minus open holds.
bool Model::debit_allowed(const std::string& debit, std::int64_t amount_minor) const {
  const Rule& rule = rules_.at(debit);
  if (rule.overdraft == OverdraftRule::unlimited) return true;
  if (maybe_held_.at(debit) != 0) {
    throw std::logic_error("a hold that may time out is on an account with a floor: " + debit);
  }
  std::int64_t after = posted_.at(debit) - held_.at(debit) - amount_minor;
  return rule.overdraft == OverdraftRule::none ? after >= 0 : after >= -rule.limit_minor;
}

void Model::move(const std::string& debit, const std::string& credit, std::int64_t amount_minor) {
  posted_[debit] -= amount_minor;
  posted_[credit] += amount_minor;
}

Outcome Model::transfer(const ledger::TransferRequest& request) {
  if (auto refused =
          check_accounts(request.debit_account, request.credit_account, request.currency)) {
    return *refused;
  }
  if (!debit_allowed(request.debit_account, request.amount_minor)) {
    return Outcome::insufficient_funds;
  }
  move(request.debit_account, request.credit_account, request.amount_minor);
  rows_[request.key] =
      ModelRow{"transfer", request.debit_account, request.credit_account, request.amount_minor, ""};
  refundable_[request.key] = Refundable{};
  return Outcome::created;
}

// All or nothing: the items run in order; if one is rejected, nothing of the batch stays,
// the first rejected item keeps its outcome and every other item gets linked_batch_failed.
std::vector<Outcome> Model::linked_batch(const Op& op) {
  const Model before = *this;
  std::vector<Outcome> outcomes;
  for (const auto& item : op.items) outcomes.push_back(transfer(item));
  std::size_t failed = 0;
  while (failed < outcomes.size() && outcomes[failed] == Outcome::created) ++failed;
  if (failed == outcomes.size()) return outcomes;
  *this = before;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (i != failed) outcomes[i] = Outcome::linked_batch_failed;
  }
  return outcomes;
}

Outcome Model::reserve(const ledger::ReserveRequest& request) {
  if (auto refused =
          check_accounts(request.debit_account, request.credit_account, request.currency)) {
    return *refused;
  }
  if (!debit_allowed(request.debit_account, request.amount_minor)) {
    return Outcome::insufficient_funds;
  }
  bool may_time_out = request.timeout_seconds <= kShortHoldSeconds;
  if (may_time_out && rules_.at(request.debit_account).overdraft != OverdraftRule::unlimited) {
    throw std::logic_error("a hold that may time out on an account with a floor");
  }
  (may_time_out ? maybe_held_ : held_)[request.debit_account] += request.amount_minor;
  holds_[request.key] = ModelHold{request.debit_account,
                                  request.credit_account,
                                  request.amount_minor,
                                  may_time_out ? HoldState::open_or_expired : HoldState::open,
                                  0,
                                  ""};
  rows_[request.key] =
      ModelRow{"reserve", request.debit_account, request.credit_account, request.amount_minor, ""};
  return Outcome::created;
}

// Post and void: the hold must exist, be neither posted nor voided nor expired; a post
// may not take more than the hold; then the hold is finished and its amount released.
Outcome Model::finish_hold(const Op& op, bool post, std::optional<Outcome> observed) {
  auto it = holds_.find(op.target_key);
  if (op.target_key.empty() || it == holds_.end()) return Outcome::pending_not_found;
  ModelHold& hold = it->second;
  if (hold.state == HoldState::posted) return Outcome::pending_already_posted;
  if (hold.state == HoldState::voided) return Outcome::pending_already_voided;
  if (hold.state == HoldState::expired) return Outcome::pending_expired;
  auto& held = hold.state == HoldState::open ? held_ : maybe_held_;
  if (hold.state == HoldState::open_or_expired && observed == Outcome::pending_expired) {
    held[hold.debit] -= hold.amount_minor;
    hold.state = HoldState::expired;
    return Outcome::pending_expired;
  }
  const std::string& key = post ? op.post.key : op.void_request.key;
  std::int64_t amount = hold.amount_minor;
  if (post && op.post.amount_minor != 0) amount = op.post.amount_minor;
  if (amount > hold.amount_minor) return Outcome::post_amount_exceeds_pending;
  held[hold.debit] -= hold.amount_minor;
  hold.state = post ? HoldState::posted : HoldState::voided;
  hold.finished_by = key;
  if (post) {
    hold.posted_minor = amount;
    move(hold.debit, hold.credit, amount);
    refundable_[key] = Refundable{};
  }
  rows_[key] = ModelRow{post ? "post" : "void", hold.debit, hold.credit, amount, op.target_key};
  return Outcome::created;
}

// A refund names a created transfer or post; it may not take the total refunded past the
// original; it moves money back, so the original's credit account must afford it.
Outcome Model::reverse(const Op& op) {
  auto it = refundable_.find(op.target_key);
  if (op.target_key.empty() || it == refundable_.end()) return Outcome::original_not_found;
  const ModelRow original = rows_.at(op.target_key);
  std::int64_t remaining = original.amount_minor - it->second.reversed_minor;
  std::int64_t amount = op.reverse.amount_minor == 0 ? remaining : op.reverse.amount_minor;
  if (amount <= 0 || amount > remaining) return Outcome::reversal_exceeds_original;
  if (!debit_allowed(original.credit, amount)) return Outcome::insufficient_funds;
  move(original.credit, original.debit, amount);
  it->second.reversed_minor += amount;
  rows_[op.reverse.key] =
      ModelRow{"reverse", original.credit, original.debit, amount, op.target_key};
  return Outcome::created;
}

std::int64_t find_op(Workload workload, std::uint64_t seed, const std::string& principal,
                     OpKind kind, std::int64_t from, std::optional<bool> created) {
  Model model(workload);
  constexpr std::int64_t kSearch = 2000;
  for (std::int64_t i = 0; i < from + kSearch; ++i) {
    Op op = make_op(workload, seed, principal, i);
    auto outcomes = model.apply(op);
    bool any_created = false;
    for (Outcome outcome : outcomes) any_created |= outcome == Outcome::created;
    if (i >= from && op.kind == kind && (!created || *created == any_created)) return i;
  }
  throw std::logic_error(fmt::format("no {} operation in {} operations of the {} workload",
                                     to_string(kind), kSearch, to_string(workload)));
}

}  // namespace crash
