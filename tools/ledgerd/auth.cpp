#include "auth.h"

#include <fmt/format.h>

#include "http_errors.h"
#include "output.h"
#include "request_log.h"

namespace ledgerd {
namespace {

ApiException unauthenticated(std::string message) {
  return ApiException({401, "authentication_error", "unauthenticated", std::move(message), {}});
}

}  // namespace

ledger::Principal authenticate(const httplib::Request& req, Service& service) {
  constexpr std::string_view kScheme = "Bearer ";
  if (!req.has_header("Authorization")) {
    throw unauthenticated(
        "no Authorization header: send Authorization: Bearer TOKEN with the "
        "token `ledgerctl principal add` printed");
  }
  const std::string value = req.get_header_value("Authorization");
  if (value.size() <= kScheme.size() || value.compare(0, kScheme.size(), kScheme) != 0) {
    throw unauthenticated(
        "the Authorization header is not \"Bearer TOKEN\": send the token "
        "`ledgerctl principal add` printed after \"Bearer \"");
  }
  const std::string token = value.substr(kScheme.size());
  auto principal = service.readers.with_reader(
      [&](ledger::Ledger& ledger) { return ledger.authenticate(token); });
  if (!principal) {
    throw unauthenticated(
        "the bearer token is unknown or revoked: ask the ledger's operator "
        "for a token (`ledgerctl principal add`)");
  }
  current_request().principal = principal->name;
  return std::move(*principal);
}

void require_admin(const ledger::Principal& principal, const std::string& what) {
  if (principal.admin) return;
  throw forbidden("admin_required",
                  fmt::format("{} needs an admin token; principal {} is not an admin", what,
                              ledgerctl::one_line(principal.name)),
                  {});
}

void require_account(const ledger::Principal& principal, const std::string& account_code,
                     const std::string& param) {
  if (ledger::may_use_account(principal, account_code)) return;
  throw forbidden(
      "account_not_permitted",
      fmt::format("principal {} may not use account {}; nothing was stored (its "
                  "operator can allow it: `ledgerctl principal add NAME --account "
                  "PATTERN`)",
                  ledgerctl::one_line(principal.name), ledgerctl::one_line(account_code)),
      param);
}

bool may_use_entry(const ledger::Principal& principal, const ledger::JournalEntry& entry) {
  return ledger::may_use_account(principal, entry.debit_account) &&
         ledger::may_use_account(principal, entry.credit_account);
}

}  // namespace ledgerd
