// Workloads: see workload.h; the mixed workloads' generator is in mixed_workload.cpp.
#include "workload.h"

#include <fmt/format.h>

#include <random>

#include "workload_internal.h"

namespace crash {
namespace detail {

std::uint64_t mix(std::uint64_t seed, const std::string& principal, std::int64_t index) {
  std::uint64_t h = seed ^ 0x9e3779b97f4a7c15ULL;
  for (unsigned char c : principal) h = (h ^ c) * 0x100000001b3ULL;
  return h ^ (static_cast<std::uint64_t>(index) * 0xbf58476d1ce4e5b9ULL);
}

std::string pick(std::mt19937_64& rng, std::initializer_list<const char*> codes) {
  auto i = rng() % codes.size();
  return *(codes.begin() + static_cast<std::ptrdiff_t>(i));
}

std::int64_t amount(std::mt19937_64& rng, std::int64_t max) {
  return 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(max));
}

// Quotes, a backslash and non-ASCII text: the stored body must survive them byte for byte.
std::string memo(const std::string& tag, std::mt19937_64& rng) {
  return fmt::format("#{} \"crash\" \\ caf\u00e9 {}", tag, rng() % 1000);
}

void fill_sequential(ledger::TransferRequest& r, std::int64_t index, std::mt19937_64& rng) {
  // Every fourth transfer, the first included, funds a customer: a failpoint's first hit
  // is then a transfer that moves money, not only stored rejections of empty accounts.
  auto roll = index % 4 == 0 ? 0 : rng() % 100;
  if (roll < 30) {
    r.debit_account = "world";
    r.credit_account = pick(rng, {"c0", "c1", "c2", "c3"});
    r.amount_minor = amount(rng, 5000);
  } else if (roll < 75) {
    r.debit_account = pick(rng, {"c0", "c1", "c2", "c3", "lim"});
    do {
      r.credit_account = pick(rng, {"c0", "c1", "c2", "c3", "lim"});
    } while (r.credit_account == r.debit_account);
    r.amount_minor = amount(rng, 4000);
  } else if (roll < 87) {
    r.debit_account = pick(rng, {"c0", "c1", "c2", "c3", "lim"});
    r.credit_account = "world";
    r.amount_minor = amount(rng, 3000);
  } else if (roll < 91) {
    r.debit_account = "world";
    r.credit_account = "ghost";  // stored rejection: credit account not found
    r.amount_minor = amount(rng, 100);
  } else if (roll < 95) {
    r.debit_account = "ghost";  // stored rejection: debit account not found
    r.credit_account = "c0";
    r.amount_minor = amount(rng, 100);
  } else {
    r.debit_account = "world";
    r.credit_account = "yen";  // stored rejection: EUR request, JPY account
    r.amount_minor = amount(rng, 100);
  }
}

void fill_concurrent(ledger::TransferRequest& r, std::mt19937_64& rng) {
  r.debit_account = pick(rng, {"world", "p0", "p1", "p2", "p3"});
  do {
    r.credit_account = pick(rng, {"world", "p0", "p1", "p2", "p3"});
  } while (r.credit_account == r.debit_account);
  r.amount_minor = amount(rng, 10000);
}

}  // namespace detail

namespace {
using ledger::OverdraftRule;

// Sequential: customers that cannot go negative, one with an overdraft limit, the
// unlimited `world` that funds them, and a JPY account to provoke currency mismatches.
const std::vector<AccountSpec> kSequentialAccounts = {
    {"world", "EUR", OverdraftRule::unlimited, 0}, {"c0", "EUR", OverdraftRule::none, 0},
    {"c1", "EUR", OverdraftRule::none, 0},         {"c2", "EUR", OverdraftRule::none, 0},
    {"c3", "EUR", OverdraftRule::none, 0},         {"lim", "EUR", OverdraftRule::limit, 3000},
    {"yen", "JPY", OverdraftRule::unlimited, 0},
};

// Concurrent: no floors, so every transfer is created in any interleaving.
const std::vector<AccountSpec> kConcurrentAccounts = {
    {"world", "EUR", OverdraftRule::unlimited, 0}, {"p0", "EUR", OverdraftRule::unlimited, 0},
    {"p1", "EUR", OverdraftRule::unlimited, 0},    {"p2", "EUR", OverdraftRule::unlimited, 0},
    {"p3", "EUR", OverdraftRule::unlimited, 0},
};

// The mixed workloads add `card`, without a floor: the holds that time out are taken on it.
std::vector<AccountSpec> with_card(std::vector<AccountSpec> accounts) {
  accounts.push_back({"card", "EUR", OverdraftRule::unlimited, 0});
  return accounts;
}
const std::vector<AccountSpec> kMixedAccounts = with_card(kSequentialAccounts);
const std::vector<AccountSpec> kMixedConcurrentAccounts = with_card(kConcurrentAccounts);

}  // namespace

const char* to_string(Workload workload) {
  switch (workload) {
    case Workload::sequential:
      return "sequential";
    case Workload::concurrent:
      return "concurrent";
    case Workload::mixed:
      return "mixed";
    case Workload::mixed_concurrent:
      return "mixed_concurrent";
  }
  return "?";
}

std::optional<Workload> workload_from_string(std::string_view name) {
  for (Workload w :
       {Workload::sequential, Workload::concurrent, Workload::mixed, Workload::mixed_concurrent}) {
    if (name == to_string(w)) return w;
  }
  return std::nullopt;
}

bool is_mixed(Workload workload) {
  return workload == Workload::mixed || workload == Workload::mixed_concurrent;
}

Workload concurrent_variant(Workload workload) {
  return is_mixed(workload) ? Workload::mixed_concurrent : Workload::concurrent;
}

const std::vector<AccountSpec>& accounts_of(Workload workload) {
  switch (workload) {
    case Workload::sequential:
      return kSequentialAccounts;
    case Workload::concurrent:
      return kConcurrentAccounts;
    case Workload::mixed:
      return kMixedAccounts;
    case Workload::mixed_concurrent:
      return kMixedConcurrentAccounts;
  }
  return kSequentialAccounts;
}

void ensure_accounts(ledger::Ledger& ledger, Workload workload) {
  for (const AccountSpec& spec : accounts_of(workload)) {
    if (ledger.find_account(spec.code)) continue;
    ledger::NewAccount account;
    account.code = spec.code;
    account.currency = spec.currency;
    account.overdraft = spec.overdraft;
    account.overdraft_limit_minor = spec.limit_minor;
    try {
      ledger.create_account(account);
    } catch (const ledger::Error& e) {
      // Another process of a concurrent scenario created it first.
      if (e.code() != ledger::ErrorCode::already_exists) throw;
    }
  }
}

const char* to_string(OpKind kind) {
  switch (kind) {
    case OpKind::transfer:
      return "transfer";
    case OpKind::reserve:
      return "reserve";
    case OpKind::post:
      return "post";
    case OpKind::void_pending:
      return "void";
    case OpKind::reverse:
      return "reverse";
    case OpKind::batch:
      return "batch";
    case OpKind::linked_batch:
      return "linked_batch";
    case OpKind::expire:
      return "expire";
    case OpKind::close:
      return "close";
  }
  return "?";
}

ledger::TransferRequest make_request(Workload workload, std::uint64_t seed,
                                     const std::string& principal, std::int64_t index) {
  std::mt19937_64 rng(detail::mix(seed, principal, index));
  ledger::TransferRequest r;
  r.principal = principal;
  r.key = fmt::format("{:x}-{}-{}", seed, principal, index);
  r.currency = "EUR";
  r.memo = detail::memo(std::to_string(index), rng);
  if (workload == Workload::sequential) {
    detail::fill_sequential(r, index, rng);
  } else {
    detail::fill_concurrent(r, rng);
  }
  return r;
}

Op make_op(Workload workload, std::uint64_t seed, const std::string& principal,
           std::int64_t index) {
  if (is_mixed(workload)) return detail::make_mixed_op(workload, seed, principal, index);
  Op op;
  op.principal = principal;
  op.index = index;
  op.items.push_back(make_request(workload, seed, principal, index));
  return op;
}

std::vector<std::string> op_keys(const Op& op) {
  switch (op.kind) {
    case OpKind::reserve:
      return {op.reserve.key};
    case OpKind::post:
      return {op.post.key};
    case OpKind::void_pending:
      return {op.void_request.key};
    case OpKind::reverse:
      return {op.reverse.key};
    case OpKind::close:
      return {op.close.key};
    case OpKind::expire:
      return {};
    default: {
      std::vector<std::string> keys;
      for (const auto& item : op.items) keys.push_back(item.key);
      return keys;
    }
  }
}

void resolve_op(ledger::Ledger& ledger, Op& op) {
  if (op.target_key.empty()) return;
  auto record = ledger.find_key(op.principal, op.target_key);
  std::int64_t sequence = kNoSuchSequence;
  if (record && record->transfer_sequence) sequence = *record->transfer_sequence;
  op.post.pending_sequence = sequence;
  op.void_request.pending_sequence = sequence;
  op.reverse.original_sequence = sequence;
}

std::vector<ledger::TransferResult> run_op(ledger::Ledger& ledger, Op& op) {
  resolve_op(ledger, op);
  switch (op.kind) {
    case OpKind::transfer:
      return {ledger.transfer(op.items.at(0))};
    case OpKind::batch:
      return ledger.transfer_batch(op.items, ledger::BatchMode::independent);
    case OpKind::linked_batch:
      return ledger.transfer_batch(op.items, ledger::BatchMode::linked);
    case OpKind::reserve:
      return {ledger.reserve(op.reserve)};
    case OpKind::post:
      return {ledger.post(op.post)};
    case OpKind::void_pending:
      return {ledger.void_pending(op.void_request)};
    case OpKind::reverse:
      return {ledger.reverse(op.reverse)};
    case OpKind::expire:
      (void)ledger.expire_pending();
      return {};
    case OpKind::close:
      return {ledger.close(op.close)};
  }
  return {};
}

}  // namespace crash
