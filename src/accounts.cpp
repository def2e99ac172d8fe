// Accounts: creation with validation, lookup by code, listing, balance updates.
#include <fmt/format.h>

#include <algorithm>

#include "accounts.h"

#include "events.h"
#include "failpoint.h"

#include "validate.h"
#include "ledger/money.h"

namespace ledger::detail {
namespace {

constexpr const char* kSelectAccount =
    "SELECT id, code, currency, exponent, balance, overdraft, overdraft_limit, name, created_at, "
    "pending FROM accounts";

OverdraftRule parse_rule(const std::string& text) {
  if (text == "limit") return OverdraftRule::limit;
  if (text == "unlimited") return OverdraftRule::unlimited;
  return OverdraftRule::none;
}

Account read_account(Statement& row) {
  Account account;
  account.id = row.getColumn(0).getInt64();
  account.code = row.getColumn(1).getString();
  account.currency = row.getColumn(2).getString();
  account.exponent = row.getColumn(3).getInt();
  account.balance_minor = row.getColumn(4).getInt64();
  account.overdraft = parse_rule(row.getColumn(5).getString());
  account.overdraft_limit_minor = row.getColumn(6).getInt64();
  account.name = row.getColumn(7).getString();
  account.created_at_ms = row.getColumn(8).getInt64();
  account.pending_minor = row.getColumn(9).getInt64();
  return account;
}

void validate_new_account(const NewAccount& account) {
  if (auto problem = check_account_code(account.code)) {
    throw Error(ErrorCode::invalid_argument, *problem);
  }
  if (!currency_exponent(account.currency)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("unknown currency '{}': use an ISO 4217 code such as EUR, USD, JPY",
                            account.currency));
  }
  if (account.overdraft_limit_minor < 0) {
    throw Error(ErrorCode::invalid_argument, "overdraft limit must not be negative");
  }
  if (account.overdraft != OverdraftRule::limit && account.overdraft_limit_minor != 0) {
    throw Error(ErrorCode::invalid_argument,
                "overdraft_limit_minor applies only with overdraft OverdraftRule::limit: set "
                "overdraft to OverdraftRule::limit, or overdraft_limit_minor to 0");
  }
  if (account.name.size() > 255 || !is_valid_utf8(account.name) ||
      account.name.find('\0') != std::string::npos) {
    throw Error(ErrorCode::invalid_argument, "account name must be UTF-8 text of at most 255 bytes");
  }
}

}  // namespace

const char* to_string(OverdraftRule rule) {
  switch (rule) {
    case OverdraftRule::none: return "none";
    case OverdraftRule::limit: return "limit";
    case OverdraftRule::unlimited: return "unlimited";
  }
  return "none";
}

bool balance_allowed(const Account& account, std::int64_t balance_minor) {
  switch (account.overdraft) {
    case OverdraftRule::unlimited: return true;
    case OverdraftRule::limit: return balance_minor >= -account.overdraft_limit_minor;
    case OverdraftRule::none: return balance_minor >= 0;
  }
  return false;
}

Account create_account(Impl& impl, const NewAccount& account) {
  validate_new_account(account);
  Transaction transaction(impl.db);
  if (find_account(impl.db, account.code)) {
    throw Error(ErrorCode::already_exists,
                fmt::format("account '{}' already exists; choose another code", account.code));
  }
  auto& insert = impl.db.statement(
      "INSERT INTO accounts (code, currency, exponent, balance, overdraft, overdraft_limit, "
      "name, created_at) VALUES (?, ?, ?, 0, ?, ?, ?, ?)");
  insert.bind(1, account.code);
  insert.bind(2, account.currency);
  insert.bind(3, *currency_exponent(account.currency));
  insert.bind(4, to_string(account.overdraft));
  insert.bind(5, account.overdraft_limit_minor);
  insert.bind(6, account.name);
  const std::int64_t now = impl.now_ms();
  insert.bind(7, now);
  insert.exec();
  Account created = *find_account(impl.db, account.code);
  append_event(impl, Event{std::string(kEventAccountCreated), created.code,
                           account_event_detail(created), 0, now});
  LEDGER_FAILPOINT("account.before_commit");
  transaction.commit();
  return created;
}

std::optional<Account> find_account(Db& db, const std::string& code) {
  static const std::string sql = std::string(kSelectAccount) + " WHERE code = ?";
  auto& query = db.statement(sql.c_str());
  query.bind(1, code);
  if (!query.executeStep()) return std::nullopt;
  return read_account(query);
}

std::optional<Account> find_account_for_update(Impl& impl, const std::string& code) {
  auto& cached = impl.cache.accounts_by_code;
  if (auto it = cached.find(code); it != cached.end()) return it->second;
  auto account = find_account(impl.db, code);
  if (account) cached.emplace(code, *account);
  return account;
}

std::vector<Account> list_accounts(Db& db) {
  static const std::string sql = std::string(kSelectAccount) + " ORDER BY code";
  auto& query = db.statement(sql.c_str());
  std::vector<Account> accounts;
  while (query.executeStep()) accounts.push_back(read_account(query));
  return accounts;
}

void set_balance(Impl& impl, std::int64_t account_id, std::int64_t balance_minor) {
  auto& cache = impl.cache;
  Account* cached = cache.account_by_id(account_id);
  if (!cached) {
    // Every caller moves money between accounts read with find_account_for_update; the
    // one UPDATE of a balance is flush_balances, at commit.
    throw Error(ErrorCode::internal,
                fmt::format("account id {} was not read in this write transaction", account_id));
  }
  cached->balance_minor = balance_minor;
  if (std::find(cache.unwritten_balances.begin(), cache.unwritten_balances.end(), account_id) ==
      cache.unwritten_balances.end()) {
    cache.unwritten_balances.push_back(account_id);
  }
}

void flush_balances(Impl& impl) {
  for (std::int64_t id : impl.cache.unwritten_balances) {
    const Account* account = impl.cache.account_by_id(id);
    auto& update = impl.db.statement("UPDATE accounts SET balance = ? WHERE id = ?");
    update.bind(1, account->balance_minor);
    update.bind(2, id);
    if (update.exec() != 1) {
      throw Error(ErrorCode::internal, fmt::format("account id {} vanished during a transfer", id));
    }
  }
  impl.cache.unwritten_balances.clear();
}

}  // namespace ledger::detail
