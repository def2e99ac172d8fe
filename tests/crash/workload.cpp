// Workloads, the model, side files and the exactly-once check: see workload.h.
#include "workload.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <set>
#include <sstream>

namespace crash {

void Report::merge(const Report& other) {
  for (const auto& [name, n] : other.figures) figures[name] += n;
  violations.insert(violations.end(), other.violations.begin(), other.violations.end());
}

std::string Report::violations_text(std::size_t max_lines) const {
  std::string text;
  for (std::size_t i = 0; i < violations.size() && i < max_lines; ++i) {
    text += violations[i] + "\n";
  }
  if (violations.size() > max_lines) {
    text += fmt::format("... and {} more\n", violations.size() - max_lines);
  }
  return text;
}

namespace {

using ledger::OverdraftRule;

struct AccountSpec {
  const char* code;
  const char* currency;
  OverdraftRule overdraft;
  std::int64_t limit_minor;
};

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

const std::vector<AccountSpec>& accounts_of(Workload workload) {
  return workload == Workload::sequential ? kSequentialAccounts : kConcurrentAccounts;
}

std::uint64_t mix(std::uint64_t seed, const std::string& principal, std::int64_t index) {
  std::uint64_t h = seed ^ 0x9e3779b97f4a7c15ULL;
  for (unsigned char c : principal) h = (h ^ c) * 0x100000001b3ULL;
  return h ^ (static_cast<std::uint64_t>(index) * 0xbf58476d1ce4e5b9ULL);
}

std::string pick(std::mt19937_64& rng, std::initializer_list<const char*> codes) {
  auto i = rng() % codes.size();
  return *(codes.begin() + static_cast<std::ptrdiff_t>(i));
}

void fill_sequential(ledger::TransferRequest& r, std::int64_t index, std::mt19937_64& rng) {
  auto amount = [&rng](std::int64_t max) { return 1 + static_cast<std::int64_t>(rng() % max); };
  // Every fourth transfer, the first included, funds a customer: a failpoint's first hit
  // is then a transfer that moves money, not only stored rejections of empty accounts.
  auto roll = index % 4 == 0 ? 0 : rng() % 100;
  if (roll < 30) {
    r.debit_account = "world";
    r.credit_account = pick(rng, {"c0", "c1", "c2", "c3"});
    r.amount_minor = amount(5000);
  } else if (roll < 75) {
    r.debit_account = pick(rng, {"c0", "c1", "c2", "c3", "lim"});
    do {
      r.credit_account = pick(rng, {"c0", "c1", "c2", "c3", "lim"});
    } while (r.credit_account == r.debit_account);
    r.amount_minor = amount(4000);
  } else if (roll < 87) {
    r.debit_account = pick(rng, {"c0", "c1", "c2", "c3", "lim"});
    r.credit_account = "world";
    r.amount_minor = amount(3000);
  } else if (roll < 91) {
    r.debit_account = "world";
    r.credit_account = "ghost";  // stored rejection: credit account not found
    r.amount_minor = amount(100);
  } else if (roll < 95) {
    r.debit_account = "ghost";  // stored rejection: debit account not found
    r.credit_account = "c0";
    r.amount_minor = amount(100);
  } else {
    r.debit_account = "world";
    r.credit_account = "yen";  // stored rejection: EUR request, JPY account
    r.amount_minor = amount(100);
  }
}

}  // namespace

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

ledger::TransferRequest make_request(Workload workload, std::uint64_t seed,
                                     const std::string& principal, std::int64_t index) {
  std::mt19937_64 rng(mix(seed, principal, index));
  ledger::TransferRequest r;
  r.principal = principal;
  r.key = fmt::format("{:x}-{}-{}", seed, principal, index);
  r.currency = "EUR";
  // Quotes, a backslash and non-ASCII text: the stored body must survive them byte for byte.
  r.memo = fmt::format("#{} \"crash\" \\ caf\u00e9 {}", index, rng() % 1000);
  if (workload == Workload::sequential) {
    fill_sequential(r, index, rng);
  } else {
    r.debit_account = pick(rng, {"world", "p0", "p1", "p2", "p3"});
    do {
      r.credit_account = pick(rng, {"world", "p0", "p1", "p2", "p3"});
    } while (r.credit_account == r.debit_account);
    r.amount_minor = 1 + static_cast<std::int64_t>(rng() % 10000);
  }
  return r;
}

Model::Model(Workload workload) {
  for (const AccountSpec& spec : accounts_of(workload)) {
    rules_[spec.code] = Rule{spec.currency, spec.overdraft, spec.limit_minor};
    balance_[spec.code] = 0;
  }
}

ledger::Outcome Model::apply(const ledger::TransferRequest& request) {
  // The order of the checks is the order of ledger::Outcome (types.h).
  auto debit = rules_.find(request.debit_account);
  if (debit == rules_.end()) return ledger::Outcome::debit_account_not_found;
  auto credit = rules_.find(request.credit_account);
  if (credit == rules_.end()) return ledger::Outcome::credit_account_not_found;
  if (debit->second.currency != request.currency || credit->second.currency != request.currency) {
    return ledger::Outcome::currency_mismatch;
  }
  std::int64_t after = balance_[request.debit_account] - request.amount_minor;
  const Rule& rule = debit->second;
  if ((rule.overdraft == OverdraftRule::none && after < 0) ||
      (rule.overdraft == OverdraftRule::limit && after < -rule.limit_minor)) {
    return ledger::Outcome::insufficient_funds;
  }
  balance_[request.debit_account] = after;
  balance_[request.credit_account] += request.amount_minor;
  return ledger::Outcome::created;
}

// --- side files -------------------------------------------------------------------------

namespace {

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string unhex(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out += static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16));
  }
  return out;
}

int open_append(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open side file " + path);
  return fd;
}

// One line per call, then fsync: a line is either whole or missing after a kill.
void append_line(int fd, const std::string& line) {
  std::string text = line + "\n";
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::fdatasync(fd) != 0) {
    throw std::runtime_error("cannot append to a side file");
  }
}

// The complete lines of a file: a line without its newline was cut by the kill.
std::vector<std::string> complete_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  return lines;
}

}  // namespace

SideFiles::SideFiles(const std::string& dir, const std::string& principal)
    : keys_fd_(open_append(dir + "/" + principal + ".keys")),
      acks_fd_(open_append(dir + "/" + principal + ".acks")) {}

SideFiles::~SideFiles() {
  ::close(keys_fd_);
  ::close(acks_fd_);
}

void SideFiles::attempt(std::int64_t index) { append_line(keys_fd_, std::to_string(index)); }

void SideFiles::ack(std::int64_t index, const ledger::TransferResult& result) {
  append_line(acks_fd_,
              fmt::format("{} {} {}", index, ledger::to_string(result.outcome), hex(result.body)));
}

void record_attempt(StreamHistory& history, std::int64_t index) {
  for (std::int64_t seen : history.attempted) {
    if (seen == index) return;
  }
  history.attempted.push_back(index);
}

StreamHistory load_history(const std::string& dir, const std::string& principal) {
  StreamHistory history;
  history.principal = principal;
  for (const std::string& line : complete_lines(dir + "/" + principal + ".keys")) {
    record_attempt(history, std::stoll(line));
  }
  for (const std::string& line : complete_lines(dir + "/" + principal + ".acks")) {
    std::istringstream in(line);
    std::int64_t index = 0;
    Ack ack;
    std::string body_hex;
    in >> index >> ack.outcome >> body_hex;
    ack.body = unhex(body_hex);
    history.acked[index] = ack;
  }
  return history;
}

// --- the exactly-once check -------------------------------------------------------------

namespace {

void check_verify(ledger::Ledger& ledger, const char* when, Report& report) {
  ledger::VerifyReport verify = ledger.verify();
  for (const ledger::Violation& v : verify.violations) {
    report.violation(fmt::format("verify {}: {} at {}: {}", when, v.kind, v.where, v.detail));
  }
}

// Tracks whether the acknowledged transfers that are missing form a suffix.
struct LossTracker {
  bool lost_seen = false;
  std::string first_lost;
};

// Retries one key for the first time after the crash and compares with what was known.
void first_retry(ledger::Ledger& ledger, const ledger::TransferRequest& request, const Ack* ack,
                 ledger::Outcome expected, const CheckOptions& options, LossTracker& loss,
                 ledger::TransferResult& result, Report& report) {
  result = ledger.transfer(request);
  const std::string& key = request.key;
  if (result.outcome != expected) {
    report.violation(fmt::format("key {}: outcome {} (replayed={}), the model expects {}", key,
                                 ledger::to_string(result.outcome), result.replayed,
                                 ledger::to_string(expected)));
  }
  if (result.replayed && loss.lost_seen) {
    report.violation(
        fmt::format("key {} survived but the earlier acknowledged key {} was lost: "
                    "the lost transfers are not a suffix",
                    key, loss.first_lost));
  }
  if (ack == nullptr) return;
  if (!result.replayed) {
    report.count("check.acknowledged_lost");
    if (!options.allow_lost_suffix) {
      report.violation(
          fmt::format("key {}: acknowledged ({}) before the crash but executed "
                      "again on retry",
                      key, ack->outcome));
    }
    if (!loss.lost_seen) loss.first_lost = key;
    loss.lost_seen = true;
    return;
  }
  if (result.body != ack->body || ack->outcome != ledger::to_string(result.outcome)) {
    report.violation(
        fmt::format("key {}: replay differs from the acknowledged response\n  acked:  "
                    "{} {}\n  replay: {} {}",
                    key, ack->outcome, ack->body, ledger::to_string(result.outcome), result.body));
  }
}

void check_journal(ledger::Ledger& ledger, const std::set<std::string>& created_keys,
                   Report& report) {
  std::set<std::string> seen;
  std::int64_t rows = 0;
  for (std::int64_t since = 1;;) {
    auto page = ledger.journal(since, 1000);
    for (const ledger::JournalEntry& entry : page) {
      ++rows;
      std::string who = entry.principal + "/" + entry.key;
      if (!seen.insert(who).second) {
        report.violation(
            fmt::format("journal seq {}: second transfer for key {}", entry.sequence, entry.key));
      }
      if (created_keys.count(entry.key) == 0) {
        report.violation(
            fmt::format("journal seq {}: key {} is not a created transfer of the "
                        "workload",
                        entry.sequence, entry.key));
      }
      since = entry.sequence + 1;
    }
    if (page.size() < 1000) break;
  }
  if (rows != static_cast<std::int64_t>(created_keys.size())) {
    report.violation(
        fmt::format("journal has {} rows for {} created keys", rows, created_keys.size()));
  }
}

void check_balances(ledger::Ledger& ledger, const Model& model, Report& report) {
  for (const auto& [code, expected] : model.balances()) {
    auto account = ledger.find_account(code);
    if (!account) {
      report.violation(fmt::format("account {} is missing", code));
    } else if (account->balance_minor != expected) {
      report.violation(fmt::format("account {}: balance {}, the model says {}", code,
                                   account->balance_minor, expected));
    }
  }
}

void check_streams(ledger::Ledger& ledger, Workload workload, std::uint64_t seed,
                   const std::vector<StreamHistory>& streams, const CheckOptions& options,
                   Report& report) {
  Model model(workload);
  std::set<std::string> created_keys;
  std::map<std::string, ledger::TransferResult> first;
  for (const StreamHistory& stream : streams) {
    LossTracker loss;
    for (std::int64_t index : stream.attempted) {
      auto request = make_request(workload, seed, stream.principal, index);
      auto it = stream.acked.find(index);
      const Ack* ack = it == stream.acked.end() ? nullptr : &it->second;
      ledger::Outcome expected = model.apply(request);
      if (expected == ledger::Outcome::created) created_keys.insert(request.key);
      first_retry(ledger, request, ack, expected, options, loss, first[request.key], report);
      report.count("check.keys_retried");
    }
  }
  // Every key is now stored: a second retry must replay the first retry's bytes.
  for (const StreamHistory& stream : streams) {
    for (std::int64_t index : stream.attempted) {
      auto request = make_request(workload, seed, stream.principal, index);
      ledger::TransferResult again = ledger.transfer(request);
      const ledger::TransferResult& before = first[request.key];
      if (!again.replayed || again.body != before.body || again.outcome != before.outcome) {
        report.violation(
            fmt::format("key {}: second retry is not a byte-identical replay "
                        "(replayed={})",
                        request.key, again.replayed));
      }
    }
  }
  check_balances(ledger, model, report);
  check_journal(ledger, created_keys, report);
}

}  // namespace

void check_exactly_once(const std::string& db_path, Workload workload, std::uint64_t seed,
                        const std::vector<StreamHistory>& streams, const CheckOptions& options,
                        Report& report) {
  try {
    // The child may have died before it created the file: then there is nothing to lose,
    // and every other loss shows up as a missing acknowledged key below.
    auto ledger = ledger::Ledger::open(db_path);
    check_verify(ledger, "after the crash", report);
    ensure_accounts(ledger, workload);
    check_streams(ledger, workload, seed, streams, options, report);
    check_verify(ledger, "after the retries", report);
  } catch (const ledger::Error& e) {
    report.violation(fmt::format("recovery failed with ledger::Error {} (sqlite {}): {}",
                                 ledger::to_string(e.code()), e.sqlite_code(), e.what()));
  } catch (const std::exception& e) {
    report.violation(fmt::format("recovery failed with a non-ledger exception: {}", e.what()));
  }
}

}  // namespace crash
