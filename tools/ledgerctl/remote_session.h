// ledgerctl --remote: what the remote commands share. They talk to ledgerd through
// ledger::Client (which retries with one key per operation) and print what the local
// commands print: the response body on stdout, the same status line on stderr, the same
// exit codes.
#pragma once

#include <cstdint>
#include <string>

#include "cli.h"
#include "ledger/client.h"
#include "ledger/types.h"

namespace ledgerctl {

// The global options of the remote mode.
struct RemoteGlobals {
  std::string url;      // --remote, else $LEDGER_REMOTE
  std::string token;    // --token, else $LEDGER_TOKEN
  std::string ca_cert;  // --ca-cert PEM
  std::string key_source = "client";  // --key-source client|server
  std::string deadline_seconds = "30";
  std::string max_attempts = "8";
  Globals output;  // json, command: what the shared printing code reads
};

// A client for the server; throws CliError (exit 2) for a bad URL, token or option.
[[nodiscard]] ledger::Client connect(const RemoteGlobals& globals);

// With --principal given: checks that the token's principal (GET /v1) is that one, else
// throws CliError (exit 2). An empty `principal` checks nothing and asks nothing.
void check_principal(ledger::Client& client, const std::string& principal);

// The principal the token belongs to (GET /v1); throws CliError when the server says no.
[[nodiscard]] std::string token_principal(ledger::Client& client);

// --key, or a new key for `operation` (from --key-source) printed on stderr before
// anything is sent, so that the operator can retry the same operation with it.
[[nodiscard]] std::string key_or_new(ledger::Client& client, const RemoteGlobals& globals,
                                     const std::string& given, const std::string& operation);

// SPEC 7's exit code for a final HTTP status (0 when no answer came).
[[nodiscard]] int exit_code_for_status(int status);

// The answer of a money-moving request as the engine's TransferResult, for the shared
// printing code: 201 created, 402 the stored rejection, 400 malformed, 422 a conflict
// (outcome from error.code, differing field from error.param). Any other answer (401,
// 403, 404, 409 or 429 or 5xx after the retries, no answer at all) throws CliError with
// its exit code and the server's message. `what` names the request in that message.
[[nodiscard]] ledger::TransferResult money_result(int status, bool replayed,
                                                  const std::string& body,
                                                  const std::string& what);

// money_result for a whole Reply; a failure message also says how many attempts were
// made, why they were retried, and the key to retry with.
[[nodiscard]] ledger::TransferResult money_result(const ledger::Reply& reply,
                                                  const std::string& what);

// The CliError for an answer that is not what `what` needed (see money_result).
[[nodiscard]] CliError failure_of(const ledger::Reply& reply, const std::string& what);

// One stderr line when retries happened: how many attempts, and why each retry.
void report_retries(const ledger::Reply& reply);

}  // namespace ledgerctl
