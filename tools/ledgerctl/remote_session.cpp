#include "remote_session.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "input.h"
#include "ledger/error.h"
#include "output.h"

namespace ledgerctl {
namespace {

using json = nlohmann::json;

json parse_object(const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  return parsed.is_object() ? parsed : json::object();
}

std::string error_field(const json& body, const char* field) {
  if (!body.contains("error") || !body["error"].is_object()) return {};
  const json& error = body["error"];
  return error.contains(field) && error[field].is_string() ? error[field].get<std::string>()
                                                            : std::string{};
}

// The engine's outcome named `code`: its own names appear in stored bodies, and the HTTP
// API's idempotency_* names in the answers that are not stored.
std::optional<ledger::Outcome> outcome_named(const std::string& code) {
  static const std::map<std::string, ledger::Outcome> kHttpNames = {
      {"idempotency_key_reused", ledger::Outcome::key_reused_with_different_request},
      {"idempotency_key_unknown", ledger::Outcome::key_unknown},
      {"idempotency_key_expired", ledger::Outcome::key_expired},
      {"idempotency_key_operation_mismatch", ledger::Outcome::key_operation_mismatch},
      {"idempotency_key_missing", ledger::Outcome::invalid_request}};
  if (const auto found = kHttpNames.find(code); found != kHttpNames.end()) return found->second;
  for (int i = 0; i <= static_cast<int>(ledger::Outcome::invalid_request); ++i) {
    const auto outcome = static_cast<ledger::Outcome>(i);
    if (code == ledger::to_string(outcome)) return outcome;
  }
  return std::nullopt;
}

std::string what_to_do(const ledger::Reply& reply) {
  const std::string retry_hint =
      reply.key.empty() ? "run the same command again"
                        : fmt::format("run the same command again with --key {}", reply.key);
  switch (reply.status) {
    case 401:
      return "check --token or $LEDGER_TOKEN (a token printed by `ledgerctl principal add`)";
    case 403:
      return "this token's principal may not use that account: use another token, or ask an "
             "admin for an --account pattern that covers it";
    case 404:
      return "check the name or number";
    case 413:
      return "the request is too large for the server: split it";
    case 409:
      return "the key's first request is still executing: " + retry_hint + " in a moment";
    case 500:
      return fmt::format("the server failed (Request-Id {}): check its log, then {}",
                         reply.request_id.empty() ? "-" : reply.request_id, retry_hint);
    default:
      break;
  }
  if (reply.status == 0 || reply.status == 429 || reply.status >= 500) {
    return "an attempt may have executed without its reply arriving: " + retry_hint +
           " (it replays the stored answer or executes once)";
  }
  return "see the server's message";
}

std::string attempts_text(const ledger::Reply& reply) {
  if (reply.attempts <= 1) return "";
  const char* why = reply.stop_reason == "deadline" ? ", stopped by the deadline"
                    : reply.stop_reason == "attempts" ? ", no attempt left"
                                                      : "";
  return fmt::format(" after {} attempts{}", reply.attempts, why);
}

}  // namespace

ledger::Client connect(const RemoteGlobals& globals) {
  ledger::ClientOptions options;
  options.base_url = globals.url;
  options.token = globals.token;
  options.ca_file = globals.ca_cert;
  if (globals.key_source != "client" && globals.key_source != "server") {
    throw CliError(kExitUsage, fmt::format("--key-source \"{}\" is neither client nor server",
                                           one_line(globals.key_source)));
  }
  options.key_source =
      globals.key_source == "server" ? ledger::KeySource::server : ledger::KeySource::client;
  options.retry.deadline = std::chrono::seconds(
      parse_count("--deadline-seconds", globals.deadline_seconds, 1, 24 * 3600));
  options.retry.max_attempts =
      static_cast<int>(parse_count("--max-attempts", globals.max_attempts, 1, 1000));
  if (globals.token.empty()) {
    throw CliError(kExitUsage,
                   "no token: give --token TOKEN or set LEDGER_TOKEN (a token printed by "
                   "`ledgerctl principal add`)");
  }
  try {
    return ledger::Client(options);
  } catch (const ledger::Error& error) {
    throw CliError(kExitUsage, fmt::format("--remote: {}", one_line(error.what())));
  }
}

std::string token_principal(ledger::Client& client) {
  const ledger::Reply reply = client.service_document();
  if (reply.status != 200) throw failure_of(reply, "reading the service document (GET /v1)");
  const json document = parse_object(reply.body);
  if (document.contains("principal") && document["principal"].is_object() &&
      document["principal"].contains("name") && document["principal"]["name"].is_string()) {
    return document["principal"]["name"].get<std::string>();
  }
  throw CliError(kExitNotALedger, "the server's GET /v1 names no principal: is --remote a "
                                  "ledgerd server?");
}

void check_principal(ledger::Client& client, const std::string& principal) {
  if (principal.empty()) return;
  const std::string actual = token_principal(client);
  if (actual != principal) {
    throw CliError(kExitUsage,
                   fmt::format("--principal {} does not match the token, which belongs to "
                               "principal {}: drop --principal or use {}'s token",
                               one_line(principal), one_line(actual), one_line(principal)));
  }
}

std::string key_or_new(ledger::Client& client, const RemoteGlobals& globals,
                       const std::string& given, const std::string& operation) {
  if (!given.empty()) return given;
  std::string key;
  if (globals.key_source == "server") {
    const ledger::Reply reply = client.issue_key(operation);
    const json body = parse_object(reply.body);
    if (reply.status != 201 || !body.contains("key") || !body["key"].is_string()) {
      throw failure_of(reply, "issuing a key (POST /v1/idempotency-keys)");
    }
    key = body["key"].get<std::string>();
  } else {
    key = ledger::make_uuid_v7();
  }
  print_err_line(fmt::format("ledgerctl: idempotency key {} (to retry this {}, run the same "
                             "command with --key {})",
                             one_line(key), operation, one_line(key)));
  return key;
}

int exit_code_for_status(int status) {
  if (status == 200 || status == 201) return kExitDone;
  if (status == 402) return kExitRejected;
  if (status == 409 || status == 422) return kExitConflict;
  if (status == 0 || status == 429 || status == 503 || status == 502 || status == 504) {
    return kExitTransient;
  }
  if (status >= 500) return kExitNotALedger;
  return kExitUsage;  // 400, 401, 403, 404, 413 and any other refusal of the request
}

CliError failure_of(const ledger::Reply& reply, const std::string& what) {
  const json body = parse_object(reply.body);
  const std::string message = error_field(body, "message");
  const std::string said =
      reply.status == 0
          ? fmt::format("no answer from the server ({})", reply.transport_error)
          : fmt::format("the server answered {}{}", reply.status,
                        message.empty() ? "" : " (" + message + ")");
  return {exit_code_for_status(reply.status),
          one_line(fmt::format("{}: {}{}; {}", what, said, attempts_text(reply),
                               what_to_do(reply)))};
}

ledger::TransferResult money_result(int status, bool replayed, const std::string& body,
                                    const std::string& what) {
  ledger::Reply reply;
  reply.status = status;
  reply.replayed = replayed;
  reply.body = body;
  return money_result(reply, what);
}

ledger::TransferResult money_result(const ledger::Reply& reply, const std::string& what) {
  const json body = parse_object(reply.body);
  ledger::TransferResult result;
  result.replayed = reply.replayed;
  result.body = reply.body;
  if (reply.status == 201) {
    if (body.contains("sequence") && body["sequence"].is_number_integer()) {
      result.sequence = body["sequence"].get<std::int64_t>();
    }
    return result;
  }
  if (reply.status != 400 && reply.status != 402 && reply.status != 422) {
    throw failure_of(reply, what);
  }
  const std::optional<ledger::Outcome> outcome = outcome_named(error_field(body, "code"));
  const auto expected_class = reply.status == 402   ? ledger::OutcomeClass::rejected
                              : reply.status == 422 ? ledger::OutcomeClass::conflict
                                                    : ledger::OutcomeClass::malformed;
  if (!outcome || ledger::outcome_class(*outcome) != expected_class) {
    // An error code this ledgerctl does not know: still the status's exit code.
    throw failure_of(reply, what);
  }
  result.outcome = *outcome;
  result.message = error_field(body, "message");
  result.differing_field = error_field(body, "param");
  return result;
}

void report_retries(const ledger::Reply& reply) {
  if (reply.retries.empty()) return;
  std::string causes;
  for (const ledger::RetryReason& retry : reply.retries) {
    causes += (causes.empty() ? "" : ", ") + retry.cause;
  }
  print_err_line(fmt::format("ledgerctl: {} attempts with key {} (retried after: {})",
                             reply.attempts, one_line(reply.key.empty() ? "-" : reply.key),
                             causes));
}

}  // namespace ledgerctl
