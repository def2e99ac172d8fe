// Close: seals the journal up to a time in a signed closing (closings.h), exactly once per
// (principal, key) like a money operation, so a retried `ledgerctl close` never makes a
// second closing of the same period.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "canonical.h"
#include "closings.h"
#include "operations/operations.h"
#include "signing.h"
#include "validate.h"

namespace ledger::detail {

std::optional<std::string> CloseOperation::malformed(const Request& request) {
  if (auto problem = check_principal_and_key(request.principal, request.key)) return problem;
  if (request.until_ms && *request.until_ms < 0) {
    return fmt::format("until must be a time after 1970, got {} ms", *request.until_ms);
  }
  if (request.signing_key_pem.empty()) {
    return "a closing is signed: give the operator's Ed25519 private key (create one with "
           "`ledgerctl signing-key create`)";
  }
  try {
    (void)public_pem_of(request.signing_key_pem, "the signing key");
  } catch (const Error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

std::string CloseOperation::encode(const Request& request) {
  CanonicalWriter canonical(kCloseRequestHeader);
  canonical.text(kFieldOperation, "close").integer(kFieldUntil, request.until_ms.value_or(-1));
  return std::move(canonical).take();
}

ResponseBody CloseOperation::echo(const Request& request) {
  ResponseBody echo{{"principal", request.principal}, {"key", request.key}};
  if (request.until_ms) {
    echo.set("until_ms", *request.until_ms);
  } else {
    echo.set_json("until_ms", "null");
  }
  return echo;
}

Executed CloseOperation::execute(Impl& impl, const Request& request, std::int64_t now_ms) {
  const Closing closing = write_closing(impl, request, request.until_ms, now_ms);
  Executed done;
  done.fields = ResponseBody{{"closing", closing.number},
                             {"first_seq", closing.first_sequence},
                             {"last_seq", closing.last_sequence},
                             {"hash", closing.hash_hex},
                             {"signature", closing.signature_hex},
                             {"signing_key_fingerprint", closing.key_fingerprint_hex}};
  done.fields.set_json("document", closing.document);
  return done;
}

}  // namespace ledger::detail
