// Goal: principals and their bearer tokens (SPEC 8): a token authenticates its principal
// until it is revoked, only the token's SHA-256 is on disk, bad names and patterns are
// refused, and may_use_account matches exact codes and '*' prefixes only.
#include <doctest/doctest.h>

#include <set>

#include "crypto.h"
#include "test_support.h"

using namespace ledger;
using namespace ledger::testing;

namespace {

ErrorCode error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& error) {
    return error.code();
  }
  FAIL("expected an Error");
  return ErrorCode::internal;
}

}  // namespace

TEST_CASE("a token authenticates its principal until it is revoked") {
  TempDir dir;
  Ledger ledger = Ledger::open(dir.file("p.db"));
  const PrincipalToken till = ledger.add_principal({"till:7", false, {"till:7", "customer:*"}});
  const PrincipalToken admin = ledger.add_principal({"office", true, {}});
  CHECK(till.token.starts_with("lt_"));
  CHECK(till.token.size() == 3 + 64);
  CHECK(till.token != admin.token);
  CHECK(till.principal.account_patterns == std::vector<std::string>{"till:7", "customer:*"});

  auto found = ledger.authenticate(till.token);
  REQUIRE(found);
  CHECK(found->name == "till:7");
  CHECK_FALSE(found->admin);
  CHECK(ledger.authenticate(admin.token)->admin);
  CHECK_FALSE(ledger.authenticate(""));
  CHECK_FALSE(ledger.authenticate(till.token + "0"));
  CHECK_FALSE(ledger.authenticate(till.token.substr(0, till.token.size() - 1)));

  const Principal revoked = ledger.revoke_principal("till:7");
  REQUIRE(revoked.revoked_at_ms);
  CHECK_FALSE(ledger.authenticate(till.token));
  CHECK(ledger.authenticate(admin.token));
  // Revoking again keeps the first time; the list shows both, by name.
  CHECK(ledger.revoke_principal("till:7").revoked_at_ms == revoked.revoked_at_ms);
  const auto all = ledger.list_principals();
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "office");
  CHECK(all[1].revoked());
  CHECK(error_of([&] { (void)ledger.revoke_principal("nobody"); }) == ErrorCode::not_found);
}

TEST_CASE("only the token's SHA-256 is stored, and tokens are distinct") {
  TempDir dir;
  const std::string path = dir.file("p.db");
  std::set<std::string> tokens;
  {
    Ledger ledger = Ledger::open(path);
    for (int i = 0; i < 20; ++i) {
      tokens.insert(ledger.add_principal({"till:" + std::to_string(i), false, {"till:*"}}).token);
    }
  }
  CHECK(tokens.size() == 20);
  const std::string bytes = file_bytes(path) + file_bytes(path + "-wal");
  for (const auto& token : tokens) {
    CHECK(bytes.find(token) == std::string::npos);
    CHECK(bytes.find(token.substr(3)) == std::string::npos);
    const auto hash = detail::sha256(token);
    CHECK(bytes.find(std::string(detail::as_bytes(hash))) != std::string::npos);
  }
}

TEST_CASE("bad names, bad patterns and duplicates are refused, storing nothing") {
  TempDir dir;
  Ledger ledger = Ledger::open(dir.file("p.db"));
  ledger.add_principal({"till:1", false, {"till:1"}});
  CHECK(error_of([&] { ledger.add_principal({"till:1", false, {"x"}}); }) ==
        ErrorCode::already_exists);
  CHECK(error_of([&] { ledger.add_principal({"", false, {"x"}}); }) == ErrorCode::invalid_argument);
  CHECK(error_of([&] { ledger.add_principal({"a b", false, {"x"}}); }) ==
        ErrorCode::invalid_argument);
  CHECK(error_of([&] { ledger.add_principal({"p", false, {"a*b"}}); }) ==
        ErrorCode::invalid_argument);
  CHECK(error_of([&] { ledger.add_principal({"p", false, {"**"}}); }) ==
        ErrorCode::invalid_argument);
  CHECK(error_of([&] { ledger.add_principal({"p", false, {"till 1"}}); }) ==
        ErrorCode::invalid_argument);
  CHECK(error_of([&] { ledger.add_principal({"p", false, std::vector<std::string>(65, "x")}); }) ==
        ErrorCode::invalid_argument);
  CHECK(ledger.list_principals().size() == 1);
  CHECK(ledger.add_principal({"all", false, {"*"}}).principal.account_patterns.size() == 1);
}

TEST_CASE("may_use_account: admins everything, others exact codes and '*' prefixes") {
  Principal till{"till:7", false, {"till:7", "customer:*"}, 0, std::nullopt};
  CHECK(may_use_account(till, "till:7"));
  CHECK_FALSE(may_use_account(till, "till:70"));
  CHECK_FALSE(may_use_account(till, "till:8"));
  CHECK(may_use_account(till, "customer:42"));
  CHECK(may_use_account(till, "customer:"));
  CHECK_FALSE(may_use_account(till, "customer"));
  CHECK_FALSE(may_use_account(till, "world"));
  Principal none{"nobody", false, {}, 0, std::nullopt};
  CHECK_FALSE(may_use_account(none, "till:7"));
  Principal admin{"office", true, {}, 0, std::nullopt};
  CHECK(may_use_account(admin, "anything"));
  Principal star{"all", false, {"*"}, 0, std::nullopt};
  CHECK(may_use_account(star, "world"));
}
