// The mixed workloads' generator: see workload.h (Workload::mixed) and workload_internal.h.
#include <fmt/format.h>

#include <optional>
#include <vector>

#include "workload_internal.h"

namespace crash::detail {

namespace {

// The mixed workloads run a fixed cycle of slots (a round), so that every kind of operation
// comes up early and posts, voids and refunds find earlier operations to name. The first
// round takes the paths that create rows (the failpoint workload's 24 operations then
// reach every failpoint whatever the seed); later rounds draw accounts, amounts, the
// operation a post, void or refund names and its variant (full, partial, excessive) from
// the operation's own seed, so rejections of every kind come up too.
enum class Slot {
  fund,         // world -> a customer, plenty
  hold,         // reserve from the customer just funded (a long timeout)
  card_hold,    // reserve from `card`, timing out after kShortHoldSeconds
  batch,        // an independent batch
  post,         // post the hold of this round (mostly) or another one
  reverse,      // refund this round's post (mostly) or another row
  transfer,     // as in the sequential workload
  second_hold,  // reserve from any customer (round 0: from world)
  linked,       // a linked batch; in odd rounds one item fails
  cancel,       // void the second hold of this round (mostly) or another one
  expire,       // Ledger::expire_pending()
  settle,       // a post or a refund of anything in the window
  close,        // a signed closing up to now (SPEC 10), keyed like money
};
constexpr Slot kCycle[] = {Slot::fund,   Slot::hold,    Slot::card_hold, Slot::batch,
                           Slot::post,   Slot::reverse, Slot::transfer,  Slot::second_hold,
                           Slot::linked, Slot::cancel,  Slot::expire,    Slot::settle,
                           Slot::close};
constexpr std::int64_t kCycleLength = sizeof(kCycle) / sizeof(kCycle[0]);
// How far back a post, void or refund looks for the operation it names: two rounds, so
// that it may name what an earlier round already posted, voided or refunded.
constexpr std::int64_t kWindow = 2 * kCycleLength;

Slot slot_of(std::int64_t index) { return kCycle[index % kCycleLength]; }

// Where in the round a slot is (its first position).
std::int64_t position_of(Slot slot) {
  for (std::int64_t i = 0; i < kCycleLength; ++i) {
    if (kCycle[i] == slot) return i;
  }
  return 0;
}

bool is_hold(std::int64_t index) {
  Slot slot = slot_of(index);
  return slot == Slot::hold || slot == Slot::card_hold || slot == Slot::second_hold;
}

// Which key signs a closing does not change its outcome or its replay (the request's
// fingerprint leaves the key out), so each process signs with a key of its own.
const std::string& signing_key_pem() {
  static const std::string pem = ledger::generate_signing_key().private_pem;
  return pem;
}

// Generates one operation of a mixed stream.
class MixedGenerator {
 public:
  MixedGenerator(Workload workload, std::uint64_t seed, const std::string& principal,
                 std::int64_t index)
      : workload_(workload),
        seed_(seed),
        principal_(principal),
        index_(index),
        round_(index / kCycleLength),
        rng_(mix(seed, principal, index)),
        coin_(rng_()) {}
  Op make();

 private:
  bool sequential() const { return workload_ == Workload::mixed; }
  std::string key(std::int64_t index) const {
    return fmt::format("{:x}-{}-{}", seed_, principal_, index);
  }
  std::string customer() {
    return sequential() ? pick(rng_, {"c0", "c1", "c2", "c3"})
                        : pick(rng_, {"p0", "p1", "p2", "p3"});
  }
  // The same slot's operation `slot` of this round, if it is in the past.
  std::optional<std::int64_t> this_round(Slot slot) const {
    std::int64_t index = round_ * kCycleLength + position_of(slot);
    return index < index_ ? std::optional(index) : std::nullopt;
  }
  ledger::TransferRequest transfer_item(const std::string& item_key, bool fund);
  void make_fund(Op& op);
  void add_items(Op& op, bool linked);
  void make_reserve(Op& op, Slot slot);
  // The operation a post, void or refund names: `preferred` (always in round 0, else
  // mostly), or any earlier one in the window that `wanted` accepts.
  template <class Wanted>
  std::optional<std::int64_t> target(std::optional<std::int64_t> preferred, Wanted&& wanted);
  void name_target(Op& op, std::int64_t target, std::size_t item);
  void make_post(Op& op, std::optional<std::int64_t> preferred);
  void make_void(Op& op);
  void make_reverse(Op& op, std::optional<std::int64_t> preferred);

  Workload workload_;
  std::uint64_t seed_;
  const std::string& principal_;
  std::int64_t index_;
  std::int64_t round_;
  std::mt19937_64 rng_;
  std::uint64_t coin_;  // the first draw: decides what a settle slot does
};

// The amount of the journal row item `item` of operation `index` creates, if it does.
std::int64_t row_amount(Workload workload, std::uint64_t seed, const std::string& principal,
                        std::int64_t index, std::size_t item) {
  Op op = make_op(workload, seed, principal, index);
  switch (op.kind) {
    case OpKind::reserve:
      return op.reserve.amount_minor;
    case OpKind::post:
      if (op.post.amount_minor != 0 || op.target_index < 0) return op.post.amount_minor;
      return row_amount(workload, seed, principal, op.target_index, 0);
    case OpKind::transfer:
    case OpKind::batch:
    case OpKind::linked_batch:
      return op.items.at(item).amount_minor;
    default:
      return 0;
  }
}

ledger::TransferRequest MixedGenerator::transfer_item(const std::string& item_key, bool fund) {
  ledger::TransferRequest r;
  r.principal = principal_;
  r.key = item_key;
  r.currency = "EUR";
  r.memo = memo(item_key, rng_);
  if (sequential()) {
    fill_sequential(r, fund ? 0 : 1, rng_);
  } else {
    fill_concurrent(r, rng_);
  }
  return r;
}

void MixedGenerator::make_fund(Op& op) {
  op.items.push_back(transfer_item(key(index_), true));
  op.items[0].debit_account = "world";
  op.items[0].credit_account = customer();
  op.items[0].amount_minor = 5000 + amount(rng_, 7000);
}

void MixedGenerator::add_items(Op& op, bool linked) {
  auto count = 2 + rng_() % 3;
  for (std::size_t k = 0; k < count; ++k) {
    // Round 0's batch starts with a funding transfer, so that it moves money.
    bool fund = !linked && round_ == 0 && k == 0;
    op.items.push_back(transfer_item(fmt::format("{}.{}", key(index_), k), fund));
  }
  if (!linked) return;
  // Linked items move money to customers (from world only, in round 0); in odd rounds (and
  // half of the even ones after round 0) one item fails, so that the batch is refused as a
  // whole and linked_batch_failed is stored for the others.
  for (auto& item : op.items) {
    item.debit_account = round_ == 0 || rng_() % 3 == 0 ? "world" : customer();
    do {
      item.credit_account = customer();
    } while (item.credit_account == item.debit_account);
    item.amount_minor = amount(rng_, 1500);
  }
  if (round_ % 2 == 1 || (round_ > 0 && rng_() % 2 == 0)) {
    auto& bad = op.items[rng_() % op.items.size()];
    if (rng_() % 2 == 0 || !sequential()) {
      bad.debit_account = "ghost";  // debit_account_not_found
    } else {
      bad.debit_account = bad.credit_account == "c0" ? "c1" : "c0";
      bad.amount_minor = 1'000'000;  // insufficient_funds: no customer has that much
    }
  }
}

void MixedGenerator::make_reserve(Op& op, Slot slot) {
  op.kind = OpKind::reserve;
  auto& r = op.reserve;
  r.principal = principal_;
  r.key = key(index_);
  r.currency = "EUR";
  r.memo = memo(r.key, rng_);
  r.amount_minor = amount(rng_, 3000);
  if (slot == Slot::card_hold) {
    r.debit_account = "card";
    r.credit_account = customer();
    r.timeout_seconds = kShortHoldSeconds;
    return;
  }
  if (slot == Slot::hold) {
    r.debit_account = make_op(workload_, seed_, principal_, index_ - 1).items.at(0).credit_account;
  } else if (round_ == 0) {
    r.debit_account = "world";
  } else {
    r.debit_account = sequential() ? pick(rng_, {"c0", "c1", "c2", "c3", "lim"}) : customer();
    r.amount_minor = amount(rng_, 4000);
  }
  do {
    r.credit_account = rng_() % 4 == 0 ? "world" : customer();
  } while (r.credit_account == r.debit_account);
}

template <class Wanted>
std::optional<std::int64_t> MixedGenerator::target(std::optional<std::int64_t> preferred,
                                                   Wanted&& wanted) {
  bool take_preferred = round_ == 0 || rng_() % 4 != 0;
  if (preferred && take_preferred) return preferred;
  std::vector<std::int64_t> candidates;
  for (std::int64_t j = std::max<std::int64_t>(0, index_ - kWindow); j < index_; ++j) {
    if (wanted(j)) candidates.push_back(j);
  }
  if (candidates.empty()) return std::nullopt;
  return candidates[rng_() % candidates.size()];
}

void MixedGenerator::name_target(Op& op, std::int64_t target, std::size_t item) {
  op.target_index = target;
  op.target_item = item;
  Op named = make_op(workload_, seed_, principal_, target);
  op.target_key = op_keys(named).at(item);
}

void MixedGenerator::make_post(Op& op, std::optional<std::int64_t> preferred) {
  op.kind = OpKind::post;
  op.post.principal = principal_;
  op.post.key = key(index_);
  op.post.memo = memo(op.post.key, rng_);
  op.post.pending_sequence = kNoSuchSequence;
  auto named = target(preferred, is_hold);
  if (!named) return;
  name_target(op, *named, 0);
  std::int64_t held = row_amount(workload_, seed_, principal_, *named, 0);
  auto roll = rng_() % (round_ == 0 ? 80 : 100);
  if (roll < 40 || held <= 1) {
    op.post.amount_minor = 0;  // the full amount
  } else if (roll < 80) {
    op.post.amount_minor = amount(rng_, held - 1);  // partial: the rest is released
  } else {
    op.post.amount_minor = held + amount(rng_, 100);  // post_amount_exceeds_pending
  }
}

void MixedGenerator::make_void(Op& op) {
  op.kind = OpKind::void_pending;
  op.void_request.principal = principal_;
  op.void_request.key = key(index_);
  op.void_request.memo = memo(op.void_request.key, rng_);
  op.void_request.pending_sequence = kNoSuchSequence;
  if (auto named = target(this_round(Slot::second_hold), is_hold)) name_target(op, *named, 0);
}

void MixedGenerator::make_reverse(Op& op, std::optional<std::int64_t> preferred) {
  op.kind = OpKind::reverse;
  auto& r = op.reverse;
  r.principal = principal_;
  r.key = key(index_);
  r.memo = memo(r.key, rng_);
  r.original_sequence = kNoSuchSequence;
  // Anything that may have created a journal row; a hold's row is not refundable
  // (original_not_found, stored), and neither is a stored rejection's missing row.
  auto named = target(preferred, [](std::int64_t j) {
    Slot slot = slot_of(j);
    return slot != Slot::cancel && slot != Slot::expire && slot != Slot::reverse &&
           slot != Slot::settle;
  });
  if (!named) return;
  Op original = make_op(workload_, seed_, principal_, *named);
  std::size_t item = original.items.empty() ? 0 : rng_() % original.items.size();
  name_target(op, *named, item);
  std::int64_t amount_minor = row_amount(workload_, seed_, principal_, *named, item);
  auto roll = rng_() % (round_ == 0 ? 75 : 100);
  if (roll < 35 || amount_minor <= 1) {
    r.amount_minor = 0;  // everything not yet refunded
  } else if (roll < 75) {
    r.amount_minor = amount(rng_, amount_minor / 2);  // a partial refund
  } else {
    r.amount_minor = amount_minor + amount(rng_, 100);  // reversal_exceeds_original
  }
}

Op MixedGenerator::make() {
  Op op;
  op.principal = principal_;
  op.index = index_;
  Slot slot = slot_of(index_);
  switch (slot) {
    case Slot::fund:
      make_fund(op);
      break;
    case Slot::transfer:
      op.items.push_back(transfer_item(key(index_), false));
      break;
    case Slot::hold:
    case Slot::card_hold:
    case Slot::second_hold:
      make_reserve(op, slot);
      break;
    case Slot::batch:
    case Slot::linked:
      op.kind = slot == Slot::batch ? OpKind::batch : OpKind::linked_batch;
      add_items(op, op.kind == OpKind::linked_batch);
      break;
    case Slot::post:
      make_post(op, this_round(Slot::hold));
      break;
    case Slot::reverse:
      make_reverse(op, this_round(Slot::post));
      break;
    case Slot::cancel:
      make_void(op);
      break;
    case Slot::expire:
      op.kind = OpKind::expire;
      break;
    case Slot::close:
      op.kind = OpKind::close;
      op.close.principal = principal_;
      op.close.key = key(index_);
      op.close.signing_key_pem = signing_key_pem();
      break;
    case Slot::settle:
      if (coin_ % 2 == 0) {
        make_post(op, std::nullopt);
      } else {
        make_reverse(op, std::nullopt);
      }
      break;
  }
  return op;
}

}  // namespace

Op make_mixed_op(Workload workload, std::uint64_t seed, const std::string& principal,
                 std::int64_t index) {
  return MixedGenerator(workload, seed, principal, index).make();
}

}  // namespace crash::detail
