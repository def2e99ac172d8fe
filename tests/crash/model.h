// The ledger's rules on plain integers: what the engine must answer to each operation of a
// workload, and the state (posted and held balances, holds, journal rows) it must end in.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "workload.h"

namespace crash {

// A journal row the model expects, by the key that created it.
struct ModelRow {
  std::string kind;  // "transfer", "reserve", "post", "void" or "reverse"
  std::string debit;
  std::string credit;
  std::int64_t amount_minor = 0;
  std::string ref_key;  // post, void: the reserve's key; reverse: the refunded row's key
};

enum class HoldState {
  open,
  // A hold that times out (kShortHoldSeconds) and has not been posted or voided: it is
  // open until its timeout and expired after, and the model cannot know which (the clock
  // is the engine's). It is always on an account without a floor, so no other outcome
  // depends on it; a post or void of it may be created or pending_expired, and the model
  // follows the engine's answer from then on.
  open_or_expired,
  posted,
  voided,
  expired,
};

struct ModelHold {
  std::string debit;
  std::string credit;
  std::int64_t amount_minor = 0;
  HoldState state = HoldState::open;
  std::int64_t posted_minor = 0;
  std::string finished_by;  // the key of the post or void
};

class Model {
 public:
  explicit Model(Workload workload);

  // The outcome the engine must give each key of `op` (op_keys order) in the current
  // state, applied to the state. Where the model cannot know (a hold that may have timed
  // out), it takes the outcome in `observed` (the engine's answers, same order) if that is
  // a possible one. `observed` may be empty or shorter: then every hold is taken as open.
  std::vector<ledger::Outcome> apply(const Op& op,
                                     const std::vector<ledger::Outcome>& observed = {});

  [[nodiscard]] const std::map<std::string, std::int64_t>& posted() const { return posted_; }
  // Held amounts of open holds; and the most that holds which may have timed out add.
  [[nodiscard]] const std::map<std::string, std::int64_t>& held() const { return held_; }
  [[nodiscard]] const std::map<std::string, std::int64_t>& maybe_held() const {
    return maybe_held_;
  }
  [[nodiscard]] const std::map<std::string, ModelHold>& holds() const { return holds_; }
  [[nodiscard]] const std::map<std::string, ModelRow>& rows() const { return rows_; }

 private:
  struct Rule {
    std::string currency;
    ledger::OverdraftRule overdraft;
    std::int64_t limit_minor;
  };
  // A created row that refunds may name: how much of it is already refunded.
  struct Refundable {
    std::int64_t reversed_minor = 0;
  };

  std::optional<ledger::Outcome> check_accounts(const std::string& debit, const std::string& credit,
                                                const std::string& currency) const;
  bool debit_allowed(const std::string& debit, std::int64_t amount_minor) const;
  ledger::Outcome transfer(const ledger::TransferRequest& request);
  std::vector<ledger::Outcome> linked_batch(const Op& op);
  ledger::Outcome reserve(const ledger::ReserveRequest& request);
  ledger::Outcome finish_hold(const Op& op, bool post, std::optional<ledger::Outcome> observed);
  ledger::Outcome reverse(const Op& op);
  void move(const std::string& debit, const std::string& credit, std::int64_t amount_minor);

  std::map<std::string, Rule> rules_;
  std::map<std::string, std::int64_t> posted_;
  std::map<std::string, std::int64_t> held_;
  std::map<std::string, std::int64_t> maybe_held_;
  std::map<std::string, ModelHold> holds_;  // by the reserve's key
  std::map<std::string, ModelRow> rows_;    // by key, created keys only
  std::map<std::string, Refundable> refundable_;
};

// The first index >= `from` of stream `principal` whose operation is of `kind` and, if
// `created` is given, creates at least one row (true) or none (false), by the model with
// every hold taken as open. The I/O-error sweeps use it to aim at each kind of operation.
[[nodiscard]] std::int64_t find_op(Workload workload, std::uint64_t seed,
                                   const std::string& principal, OpKind kind, std::int64_t from,
                                   std::optional<bool> created = std::nullopt);

}  // namespace crash
