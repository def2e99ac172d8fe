// ledgerctl --remote batch: a JSON Lines batch sent as one POST /v1/batches.
//
// The file is read and checked exactly as in the local mode (a bad line exits 2 and nothing
// is sent). Each item keeps the key its line gives, so retrying the whole request after a
// lost reply is safe: the items already done replay their stored answers.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "batch_input.h"
#include "ledger/money.h"
#include "output.h"
#include "remote.h"

namespace ledgerctl {
namespace {

using json = nlohmann::json;

struct BatchOptions {
  std::string file;
  bool linked = false;
};

// The lines name their principal (the local format); through a server the token decides,
// so every line must name the token's principal.
void check_principals(ledger::Client& client, const std::vector<BatchItem>& items) {
  const std::string principal = token_principal(client);
  for (const BatchItem& item : items) {
    if (item.request.principal != principal) {
      throw CliError(kExitUsage,
                     fmt::format("line {}: principal {} is not the token's principal {}: "
                                 "through --remote every line acts as the token's principal; "
                                 "fix the line or use {}'s token; nothing was sent",
                                 item.line, one_line(item.request.principal),
                                 one_line(principal), one_line(item.request.principal)));
    }
  }
}

std::vector<ledger::TransferResult> results_of(const ledger::Reply& reply, std::size_t count) {
  const json document = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object() || !document.contains("items") || !document["items"].is_array() ||
      document["items"].size() != count) {
    throw CliError(kExitNotALedger,
                   fmt::format("the server's batch answer does not list the {} items sent "
                               "(Request-Id {}): check the server's log",
                               count, reply.request_id.empty() ? "-" : reply.request_id));
  }
  std::vector<ledger::TransferResult> results;
  for (const json& item : document["items"]) {
    const int status = item.value("status", 0);
    const bool replayed = item.value("idempotent_replayed", false);
    const json& body = item.contains("body") ? item["body"] : json();
    results.push_back(money_result(status, replayed, body.is_string() ? body.get<std::string>()
                                                                      : body.dump(),
                                   fmt::format("batch item {}", results.size() + 1)));
  }
  return results;
}

int run_batch(const RemoteGlobals& globals, const BatchOptions& options) {
  const std::vector<BatchItem> items = read_batch(options.file);  // usage errors first
  std::vector<ledger::TransferCall> calls;
  for (const BatchItem& item : items) {
    ledger::TransferCall call;
    call.key = item.request.key;
    call.from = item.request.debit_account;
    call.to = item.request.credit_account;
    call.amount_minor = item.request.amount_minor;
    call.currency = item.request.currency;
    call.memo = item.request.memo;
    calls.push_back(std::move(call));
  }
  ledger::Client client = connect(globals);
  check_principals(client, items);
  const ledger::Reply reply = client.batch(calls, options.linked);
  report_retries(reply);
  if (reply.status != 200) throw failure_of(reply, "batch");
  return print_batch_results(globals.output, items, results_of(reply, items.size()),
                             options.linked);
}

}  // namespace

void add_remote_batch_command(CLI::App& app, RemoteGlobals& globals, RemoteAction& chosen) {
  auto options = std::make_shared<BatchOptions>();
  CLI::App* batch = add_remote_command(
      app, "batch",
      "Send many transfers in one request (JSON Lines as in the local mode; - reads stdin); "
      "every line's principal must be the token's.",
      "  ledgerctl --remote http://10.0.0.5:8080 batch day-close.jsonl --linked", chosen,
      [&globals, options] { return run_batch(globals, *options); });
  batch->add_option("FILE", options->file, "JSON Lines file, or - for standard input")
      ->type_name("FILE")
      ->required();
  batch->add_flag("--linked", options->linked,
                  "all-or-nothing: if any item fails, no item moves money");
}

}  // namespace ledgerctl
