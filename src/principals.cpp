#include "principals.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "crypto.h"
#include "impl.h"
#include "json_text.h"
#include "validate.h"

namespace ledger {

bool may_use_account(const Principal& principal, std::string_view account_code) {
  if (principal.admin) return true;
  for (const std::string& pattern : principal.account_patterns) {
    if (!pattern.empty() && pattern.back() == '*') {
      if (account_code.starts_with(std::string_view(pattern).substr(0, pattern.size() - 1))) {
        return true;
      }
    } else if (account_code == pattern) {
      return true;
    }
  }
  return false;
}

namespace detail {
namespace {

constexpr std::size_t kMaxPatterns = 64;
constexpr std::size_t kTokenBytes = 32;
constexpr std::string_view kTokenPrefix = "lt_";

constexpr const char* kSelectPrincipal =
    "SELECT name, admin, account_patterns, created_at, revoked_at FROM principals";

// A pattern is an account code, or a code's prefix followed by one final '*'.
void check_pattern(const std::string& pattern) {
  const bool prefix = !pattern.empty() && pattern.back() == '*';
  const std::string_view fixed =
      prefix ? std::string_view(pattern).substr(0, pattern.size() - 1) : std::string_view(pattern);
  if (fixed.find('*') != std::string_view::npos) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("account pattern '{}' may hold '*' only as its last character, "
                            "e.g. 'customer:*'", pattern));
  }
  if (prefix && fixed.empty()) return;  // "*": every account
  if (auto problem = check_account_code(fixed)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("account pattern '{}': {}", pattern, *problem));
  }
}

void validate_new_principal(const NewPrincipal& principal) {
  if (auto problem = check_principal(principal.name)) {
    throw Error(ErrorCode::invalid_argument, *problem);
  }
  if (principal.account_patterns.size() > kMaxPatterns) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("a principal has at most {} account patterns, got {}", kMaxPatterns,
                            principal.account_patterns.size()));
  }
  for (const std::string& pattern : principal.account_patterns) check_pattern(pattern);
}

Principal read_principal(Statement& row) {
  Principal principal;
  principal.name = row.getColumn(0).getString();
  principal.admin = row.getColumn(1).getInt() != 0;
  const auto patterns = nlohmann::json::parse(row.getColumn(2).getString(), nullptr, false);
  if (!patterns.is_array()) {
    throw Error(ErrorCode::corrupt,
                fmt::format("principal '{}' has unreadable account patterns", principal.name));
  }
  for (const auto& pattern : patterns) {
    if (!pattern.is_string()) {
      throw Error(ErrorCode::corrupt,
                  fmt::format("principal '{}' has a non-text account pattern", principal.name));
    }
    principal.account_patterns.push_back(pattern.get<std::string>());
  }
  principal.created_at_ms = row.getColumn(3).getInt64();
  if (!row.getColumn(4).isNull()) principal.revoked_at_ms = row.getColumn(4).getInt64();
  return principal;
}

std::optional<Principal> find_principal(Db& db, const std::string& name) {
  static const std::string sql = std::string(kSelectPrincipal) + " WHERE name = ?";
  auto& query = db.statement(sql.c_str());
  query.bind(1, name);
  if (!query.executeStep()) return std::nullopt;
  return read_principal(query);
}

}  // namespace

PrincipalToken add_principal(Impl& impl, const NewPrincipal& principal) {
  validate_new_principal(principal);
  Transaction transaction(impl.db);
  if (find_principal(impl.db, principal.name)) {
    throw Error(ErrorCode::already_exists,
                fmt::format("principal '{}' already exists; choose another name, or revoke it "
                            "and add a new one",
                            principal.name));
  }
  std::string token = std::string(kTokenPrefix) + to_hex(random_bytes(kTokenBytes));
  const Digest token_hash = sha256(token);
  const std::string patterns = detail::json_text(nlohmann::json(principal.account_patterns));
  auto& insert = impl.db.statement(
      "INSERT INTO principals (name, admin, account_patterns, token_sha256, created_at) "
      "VALUES (?, ?, ?, ?, ?)");
  insert.bind(1, principal.name);
  insert.bind(2, principal.admin ? 1 : 0);
  insert.bind(3, patterns);
  bind_blob(insert, 4, as_bytes(token_hash));
  insert.bind(5, impl.now_ms());
  insert.exec();
  transaction.commit();
  return {*find_principal(impl.db, principal.name), std::move(token)};
}

std::vector<Principal> list_principals(Db& db) {
  static const std::string sql = std::string(kSelectPrincipal) + " ORDER BY name";
  auto& query = db.statement(sql.c_str());
  std::vector<Principal> principals;
  while (query.executeStep()) principals.push_back(read_principal(query));
  return principals;
}

Principal revoke_principal(Impl& impl, const std::string& name) {
  Transaction transaction(impl.db);
  auto found = find_principal(impl.db, name);
  if (!found) {
    throw Error(ErrorCode::not_found,
                fmt::format("no principal named '{}'; check the name against the list of principals", name));
  }
  if (!found->revoked()) {
    auto& update = impl.db.statement(
        "UPDATE principals SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL");
    update.bind(1, impl.now_ms());
    update.bind(2, name);
    update.exec();
  }
  transaction.commit();
  return *find_principal(impl.db, name);
}

std::optional<Principal> authenticate(Db& db, const std::string& token) {
  const Digest token_hash = sha256(token);
  static const std::string sql =
      std::string(kSelectPrincipal) + " WHERE token_sha256 = ? AND revoked_at IS NULL";
  auto& query = db.statement(sql.c_str());
  bind_blob(query, 1, as_bytes(token_hash));
  if (!query.executeStep()) return std::nullopt;
  return read_principal(query);
}

}  // namespace detail
}  // namespace ledger
