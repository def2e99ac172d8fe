// Fuzz target: the money-moving request path (transfer, batches, reserve/post/void,
// reverse, keys) on a small real ledger.
//
// Each input is a script of up to 8 calls with fuzzed fields (account codes, principals,
// keys, amounts at and past the int64 limits, currencies, memos up to 5000 bytes, pending
// and original sequence numbers), run against a fresh copy of one template ledger with a
// fixed clock, so that every run of an input is identical. Properties, after every call:
//  - no exception at all (one connection, nothing else writes: not even busy or io);
//  - the body is a JSON object; a non-created outcome has a message;
//  - a malformed request or an idempotency conflict changes nothing (balances, holds,
//    journal, keys); a stored rejection moves no money and adds no journal row; a created
//    outcome adds exactly one journal row, whose sequence it returns; a transfer moves
//    exactly its amount between exactly its two accounts; a replay changes nothing and
//    returns the byte-identical body first stored for that (principal, key);
//  - the same key with one field changed is refused naming exactly that field;
// and after the script: verify() passes and every currency's balances sum to zero.
#include <fuzzer/FuzzedDataProvider.h>

#include <climits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_support.h"

namespace {

using ledger::Outcome;
using ledger::OutcomeClass;

std::string template_bytes;
std::string work_path;
using KeyId = std::pair<std::string, std::string>;  // (principal, key)
// The template's stored transfers: their requests and byte-identical bodies.
std::map<KeyId, ledger::TransferRequest> template_requests;
std::map<KeyId, std::string> template_bodies;

const std::vector<std::string> kCodes = {"world",    "till",     "customer", "jpy:world",
                                         "jpy:till", "bhd:till", "full",     "nobody"};

void build_template(const std::string& path) {
  fuzz::remove_ledger_files(path);
  ledger::Ledger book = ledger::Ledger::open(path, fuzz::fuzz_options());
  using ledger::OverdraftRule;
  book.create_account({"world", "EUR", OverdraftRule::unlimited, 0, "outside"});
  book.create_account({"till", "EUR", OverdraftRule::none, 0, ""});
  book.create_account({"customer", "EUR", OverdraftRule::limit, 500, ""});
  book.create_account({"jpy:world", "JPY", OverdraftRule::unlimited, 0, ""});
  book.create_account({"jpy:till", "JPY", OverdraftRule::none, 0, ""});
  book.create_account({"bhd:till", "BHD", OverdraftRule::none, 0, ""});
  book.create_account({"full", "EUR", OverdraftRule::none, 0, "near INT64_MAX"});
  auto seed = [&](const char* key, const char* from, const char* to, std::int64_t amount,
                  const char* currency) {
    ledger::TransferRequest request{"till:1", key, from, to, amount, currency, "seed"};
    template_bodies[{"till:1", key}] = book.transfer(request).body;
    template_requests[{"till:1", key}] = request;
  };
  seed("k1", "world", "till", 10'000, "EUR");
  seed("k2", "world", "full", INT64_MAX - 5, "EUR");
  seed("k3", "jpy:world", "jpy:till", 500, "JPY");
  seed("k4", "customer", "till", 100'000, "EUR");  // a stored rejection
  (void)book.reserve({"till:1", "k5", "till", "customer", 300, "EUR", "hold", 3600});
}

// --- fuzzed fields --------------------------------------------------------------------

std::string pick_code(FuzzedDataProvider& in) {
  auto choice = in.ConsumeIntegralInRange<std::size_t>(0, kCodes.size() + 1);
  return choice < kCodes.size() ? kCodes[choice] : in.ConsumeRandomLengthString(140);
}

std::string pick_principal(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0:
      return "till:1";
    case 1:
      return "till:2";
    case 2:
      return std::string(255, 'p');
    default:
      return in.ConsumeRandomLengthString(260);
  }
}

std::string pick_key(FuzzedDataProvider& in, const std::string& last_issued) {
  switch (in.ConsumeIntegralInRange(0, 6)) {
    case 0:
      return "k1";
    case 1:
      return "k2";
    case 2:
      return "k4";
    case 3:
      return "k5";
    case 4:
      return last_issued.empty() ? "k6" : last_issued;
    default:
      return in.ConsumeRandomLengthString(300);
  }
}

std::int64_t pick_amount(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 7)) {
    case 0:
      return 0;
    case 1:
      return -1;
    case 2:
      return INT64_MAX;
    case 3:
      return INT64_MIN;
    case 4:
      return INT64_MAX - in.ConsumeIntegralInRange<std::int64_t>(0, 20);
    case 5:
      return in.ConsumeIntegral<std::int64_t>();
    default:
      return in.ConsumeIntegralInRange<std::int64_t>(1, 20'000);
  }
}

std::string pick_currency(FuzzedDataProvider& in) {
  static const char* kCurrencies[] = {"EUR", "JPY", "BHD", "USD"};
  auto choice = in.ConsumeIntegralInRange(0, 4);
  return choice < 4 ? kCurrencies[choice] : in.ConsumeRandomLengthString(5);
}

std::int64_t pick_sequence(FuzzedDataProvider& in) {
  return in.ConsumeBool() ? in.ConsumeIntegralInRange<std::int64_t>(-1, 12)
                          : in.ConsumeIntegral<std::int64_t>();
}

std::int64_t pick_timeout(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 4)) {
    case 0:
      return 0;
    case 1:
      return INT64_MAX;
    case 2:
      return in.ConsumeIntegral<std::int64_t>();
    default:
      return in.ConsumeIntegralInRange<std::int64_t>(1, 30 * 24 * 3600);
  }
}

// --- the script -------------------------------------------------------------------------

struct Script {
  ledger::Ledger& book;
  std::map<KeyId, std::string> stored_bodies;                // every stored outcome
  std::map<KeyId, ledger::TransferRequest> stored_requests;  // stored by transfer()
  std::string last_issued;
  std::optional<ledger::TransferRequest> last_transfer;
  void forget() {  // after calls whose outcomes are not tracked one by one
    stored_bodies.clear();
    stored_requests.clear();
  }
};

void check_common(Script& script, const fuzz::Summary& before, const std::string& principal,
                  const std::string& key, const ledger::TransferResult& result) {
  FUZZ_CHECK(nlohmann::json::parse(result.body).is_object());
  OutcomeClass kind = ledger::outcome_class(result.outcome);
  if (result.outcome != Outcome::created) FUZZ_CHECK(!result.message.empty());
  fuzz::Summary after = fuzz::summarize(script.book);
  if (kind == OutcomeClass::malformed || kind == OutcomeClass::conflict || result.replayed) {
    FUZZ_CHECK(after == before);
  } else if (kind == OutcomeClass::rejected) {
    FUZZ_CHECK(after.journal_rows == before.journal_rows);
    FUZZ_CHECK(after.accounts == before.accounts);
  } else {
    FUZZ_CHECK(after.journal_rows == before.journal_rows + 1);
    FUZZ_CHECK(result.sequence == after.journal_rows);
  }
  if (kind != OutcomeClass::done && kind != OutcomeClass::rejected) return;
  auto [entry, inserted] = script.stored_bodies.try_emplace({principal, key}, result.body);
  if (!inserted) {  // seen stored before: must replay the very same bytes
    FUZZ_CHECK(result.replayed);
    FUZZ_CHECK(entry->second == result.body);
  }
}

void check_transfer_moved(const fuzz::Summary& before, const fuzz::Summary& after,
                          const ledger::TransferRequest& request) {
  for (std::size_t i = 0; i < after.accounts.size(); ++i) {
    const std::string& code = after.accounts[i].first;
    std::int64_t delta = after.accounts[i].second.first - before.accounts[i].second.first;
    std::int64_t expected = code == request.debit_account    ? -request.amount_minor
                            : code == request.credit_account ? request.amount_minor
                                                             : 0;
    FUZZ_CHECK(delta == expected);
  }
}

void run_transfer(Script& script, const ledger::TransferRequest& request) {
  fuzz::Summary before = fuzz::summarize(script.book);
  ledger::TransferResult result = script.book.transfer(request);
  check_common(script, before, request.principal, request.key, result);
  if (result.ok() && !result.replayed) {
    check_transfer_moved(before, fuzz::summarize(script.book), request);
  }
  auto kind = ledger::outcome_class(result.outcome);
  if (kind == OutcomeClass::done || kind == OutcomeClass::rejected) {
    script.stored_requests.try_emplace({request.principal, request.key}, request);
  }
  script.last_transfer = request;
}

ledger::TransferRequest fuzzed_transfer(FuzzedDataProvider& in, const Script& script) {
  return {pick_principal(in),
          pick_key(in, script.last_issued),
          pick_code(in),
          pick_code(in),
          pick_amount(in),
          pick_currency(in),
          in.ConsumeRandomLengthString(5000)};
}

// The oracle of key_reused_with_different_request for two transfers: the first field, in
// the canonical encoding's order, that differs.
std::string first_difference(const ledger::TransferRequest& a, const ledger::TransferRequest& b) {
  if (a.debit_account != b.debit_account) return "debit_account";
  if (a.credit_account != b.credit_account) return "credit_account";
  if (a.amount_minor != b.amount_minor) return "amount";
  if (a.currency != b.currency) return "currency";
  if (a.memo != b.memo) return "memo";
  return "";
}

// The last request again with one field changed: a replay if the change was a no-op,
// else (once the key holds an outcome) a conflict naming that field.
void run_changed_retry(Script& script, FuzzedDataProvider& in) {
  if (!script.last_transfer) return;
  ledger::TransferRequest changed = *script.last_transfer;
  int field = in.ConsumeIntegralInRange(0, 4);
  switch (field) {
    case 0:
      changed.debit_account = pick_code(in);
      break;
    case 1:
      changed.credit_account = pick_code(in);
      break;
    case 2:
      changed.amount_minor = pick_amount(in);
      break;
    case 3:
      changed.currency = pick_currency(in);
      break;
    default:
      changed.memo = in.ConsumeRandomLengthString(5000);
  }
  fuzz::Summary before = fuzz::summarize(script.book);
  ledger::TransferResult result = script.book.transfer(changed);
  check_common(script, before, changed.principal, changed.key, result);
  auto original = script.stored_requests.find({changed.principal, changed.key});
  if (result.outcome == Outcome::key_reused_with_different_request &&
      original != script.stored_requests.end()) {
    FUZZ_CHECK(result.differing_field == first_difference(original->second, changed));
  }
}

void run_batch(Script& script, FuzzedDataProvider& in) {
  std::vector<ledger::TransferRequest> requests(in.ConsumeIntegralInRange(1, 3));
  for (auto& request : requests) {
    request = fuzzed_transfer(in, script);
  }
  auto mode = in.ConsumeBool() ? ledger::BatchMode::linked : ledger::BatchMode::independent;
  fuzz::Summary before = fuzz::summarize(script.book);
  auto results = script.book.transfer_batch(requests, mode);
  FUZZ_CHECK(results.size() == requests.size());
  std::int64_t executed = 0;
  bool all_created = true;
  for (const auto& result : results) {
    FUZZ_CHECK(nlohmann::json::parse(result.body).is_object());
    if (result.ok() && !result.replayed) ++executed;
    all_created = all_created && result.ok();
  }
  fuzz::Summary after = fuzz::summarize(script.book);
  FUZZ_CHECK(after.journal_rows == before.journal_rows + executed);
  if (mode == ledger::BatchMode::linked && !all_created) {
    FUZZ_CHECK(after.journal_rows == before.journal_rows);
    FUZZ_CHECK(after.accounts == before.accounts);
  }
  script.forget();  // batch items are checked above, not tracked for replay
}

void run_two_phase(Script& script, FuzzedDataProvider& in) {
  std::string principal = pick_principal(in);
  std::string key = pick_key(in, script.last_issued);
  std::string memo = in.ConsumeRandomLengthString(300);
  fuzz::Summary before = fuzz::summarize(script.book);
  ledger::TransferResult result;
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0: {
      std::string debit = pick_code(in), credit = pick_code(in), currency = pick_currency(in);
      result = script.book.reserve(
          {principal, key, debit, credit, pick_amount(in), currency, memo, pick_timeout(in)});
      break;
    }
    case 1:
      result = script.book.post({principal, key, pick_sequence(in), pick_amount(in), memo});
      break;
    case 2:
      result = script.book.void_pending({principal, key, pick_sequence(in), memo});
      break;
    default:
      result = script.book.reverse({principal, key, pick_sequence(in), pick_amount(in), memo});
  }
  check_common(script, before, principal, key, result);
}

void run_keys(Script& script, FuzzedDataProvider& in) {
  static const char* kOperations[] = {"transfer", "reserve", "post", "void", "reverse"};
  if (in.ConsumeBool()) {
    std::string principal = pick_principal(in);
    const char* operation = kOperations[in.ConsumeIntegralInRange(0, 4)];
    try {
      script.last_issued = script.book.issue_key(principal, operation, 60).key;
    } catch (const ledger::Error& e) {
      FUZZ_CHECK(e.code() == ledger::ErrorCode::invalid_argument);
    }
    return;
  }
  std::int64_t older_than = in.ConsumeBool() ? in.ConsumeIntegral<std::int64_t>()
                                             : in.ConsumeIntegralInRange<std::int64_t>(0, 1 << 30);
  try {
    (void)script.book.purge_keys(older_than);
  } catch (const ledger::Error& e) {
    FUZZ_CHECK(e.code() == ledger::ErrorCode::invalid_argument);
  }
  script.forget();  // purged rejections become tombstones
}

// After any script: every currency's balances sum to exactly zero (in 128 bits, checked
// here independently of the engine), and verify finds nothing.
void check_verify(ledger::Ledger& book) {
  std::map<std::string, __int128> sums;
  for (const ledger::Account& account : book.list_accounts()) {
    sums[account.currency] += account.balance_minor;
  }
  for (const auto& [currency, sum] : sums) FUZZ_CHECK(sum == 0);
  ledger::VerifyReport report = book.verify();
  for (const ledger::Violation& violation : report.violations) {
    FUZZ_CHECK_MSG(false,
                   (violation.kind + " at " + violation.where + ": " + violation.detail).c_str());
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const std::string& dir = fuzz::scratch_dir("transfer");
  build_template(dir + "/template.db");
  template_bytes = fuzz::read_bytes(dir + "/template.db");
  FUZZ_CHECK(!template_bytes.empty());
  work_path = dir + "/work.db";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::remove_ledger_files(work_path);
  fuzz::write_bytes(work_path, reinterpret_cast<const std::uint8_t*>(template_bytes.data()),
                    template_bytes.size());
  ledger::Ledger book = ledger::Ledger::open(work_path, fuzz::fuzz_options());
  Script script{book, template_bodies, template_requests, {}, {}};
  FuzzedDataProvider in(data, size);
  for (int call = 0; call < 8 && in.remaining_bytes() > 0; ++call) {
    switch (in.ConsumeIntegralInRange(0, 9)) {
      case 0:
        run_changed_retry(script, in);
        break;
      case 1:
        run_batch(script, in);
        break;
      case 2:
        run_two_phase(script, in);
        break;
      case 3:
        run_keys(script, in);
        break;
      case 4:
        if (script.last_transfer) run_transfer(script, *script.last_transfer);
        break;
      default:
        run_transfer(script, fuzzed_transfer(in, script));
    }
  }
  check_verify(book);
  return 0;
}
