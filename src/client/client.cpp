// ledger::Client: what each call of the API sends (method, path, JSON body, key); the
// sending and retrying is HttpExchange's.
#include "ledger/client.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "client/http_exchange.h"
#include "ledger/error.h"
#include "ledger/money.h"
#include "validate.h"

namespace ledger {

using client_detail::encode_path_segment;
using client_detail::HttpRequest;
using json = nlohmann::ordered_json;

struct Client::Impl {
  ClientOptions options;
  client_detail::HttpExchange exchange;

  explicit Impl(ClientOptions given)
      : options(std::move(given)),
        exchange(options, std::make_unique<client_detail::SystemRetryEnvironment>()) {}

  Reply post(std::string path, const json& body, std::string key = {},
             bool conflict_is_final = false) {
    HttpRequest request;
    request.method = HttpRequest::Method::post;
    request.path = std::move(path);
    request.body = body.dump();
    request.key = std::move(key);
    request.conflict_is_final = conflict_is_final;
    return exchange.send(request);
  }

  Reply get(std::string path) {
    HttpRequest request;
    request.path = std::move(path);
    return exchange.send(request);
  }

  // The call's own key, else a new one; nullopt (with `failure` set) when the server was
  // to issue one and did not.
  std::optional<std::string> key_for(const std::string& given, const std::string& operation,
                                     Reply& failure) {
    if (!given.empty()) return given;
    if (options.key_source == KeySource::client) return make_uuid_v7();
    failure = post("/v1/idempotency-keys", {{"operation", operation}});
    if (failure.status == 201) {
      const auto parsed = json::parse(failure.body, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_object() && parsed.contains("key") && parsed["key"].is_string()) {
        return parsed["key"].get<std::string>();
      }
    }
    return std::nullopt;
  }

  // Sends a money-moving request under one key, chosen once, before the first attempt.
  Reply keyed(const std::string& given_key, const std::string& operation, std::string path,
              const json& body) {
    Reply failure;
    const std::optional<std::string> key = key_for(given_key, operation, failure);
    if (!key) return failure;
    return post(std::move(path), body, *key);
  }
};

namespace {

std::string decimal(std::int64_t amount_minor, const std::string& currency) {
  const std::optional<int> exponent = currency_exponent(currency);
  if (!exponent) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("unknown currency \"{}\": use an ISO 4217 code such as EUR",
                            currency));
  }
  return format_amount(amount_minor, *exponent);
}

// A text field of a request. JSON carries only UTF-8, so other bytes are refused here,
// before any key is used or any byte is sent, as the engine refuses them in-process.
const std::string& text(const std::string& value, std::string_view field) {
  if (!detail::is_valid_utf8(value)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("the {} is not valid UTF-8 text, so it cannot be sent in a JSON "
                            "request; nothing was sent: correct the text and call again",
                            field));
  }
  return value;
}

json transfer_fields(const TransferCall& call) {
  json body = {{"from", text(call.from, "from account")},
               {"to", text(call.to, "to account")},
               {"amount", decimal(call.amount_minor, call.currency)},
               {"currency", text(call.currency, "currency")}};
  if (!call.memo.empty()) body["memo"] = text(call.memo, "memo");
  return body;
}

json step_fields(const StepCall& call) {
  json body = json::object();
  if (call.amount) body["amount"] = text(*call.amount, "amount");
  if (!call.memo.empty()) body["memo"] = text(call.memo, "memo");
  return body;
}

}  // namespace

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

Reply Client::issue_key(const std::string& operation, std::optional<std::int64_t> ttl_seconds) {
  json body = {{"operation", text(operation, "operation")}};
  if (ttl_seconds) body["ttl_seconds"] = *ttl_seconds;
  return impl_->post("/v1/idempotency-keys", body);
}

Reply Client::transfer(const TransferCall& call) {
  return impl_->keyed(call.key, "transfer", "/v1/transfers", transfer_fields(call));
}

Reply Client::reserve(const ReserveCall& call) {
  json body = transfer_fields(call.transfer);
  if (call.timeout_seconds) body["timeout_seconds"] = *call.timeout_seconds;
  return impl_->keyed(call.transfer.key, "reserve", "/v1/pending", body);
}

Reply Client::post(const StepCall& call) {
  return impl_->keyed(call.key, "post", fmt::format("/v1/pending/{}/post", call.sequence),
                      step_fields(call));
}

Reply Client::void_pending(const StepCall& call) {
  return impl_->keyed(call.key, "void", fmt::format("/v1/pending/{}/void", call.sequence),
                      step_fields(call));
}

Reply Client::reverse(const StepCall& call) {
  return impl_->keyed(call.key, "reverse",
                      fmt::format("/v1/transfers/{}/reversals", call.sequence),
                      step_fields(call));
}

Reply Client::batch(const std::vector<TransferCall>& items, bool linked) {
  std::vector<std::string> keys;
  json list = json::array();
  for (const TransferCall& item : items) {
    json fields = transfer_fields(item);
    Reply failure;
    const std::optional<std::string> key = impl_->key_for(item.key, "transfer", failure);
    if (!key) return failure;
    keys.push_back(*key);
    json entry = {{"idempotency_key", *key}};
    entry.update(fields);
    list.push_back(std::move(entry));
  }
  Reply reply = impl_->post("/v1/batches", {{"linked", linked}, {"items", list}});
  reply.item_keys = std::move(keys);
  return reply;
}

Reply Client::create_account(const AccountCall& call) {
  json body = {{"code", text(call.code, "account code")},
               {"currency", text(call.currency, "currency")},
               {"overdraft", text(call.overdraft, "overdraft")}};
  if (call.overdraft_limit) body["overdraft_limit"] = text(*call.overdraft_limit, "overdraft limit");
  if (!call.name.empty()) body["name"] = text(call.name, "account name");
  return impl_->post("/v1/accounts", body, /*key=*/{}, /*conflict_is_final=*/true);
}

Reply Client::account(const std::string& code) {
  return impl_->get("/v1/accounts/" + encode_path_segment(code));
}

Reply Client::accounts() { return impl_->get("/v1/accounts"); }

Reply Client::service_document() { return impl_->get("/v1"); }

Reply Client::journal(std::int64_t since, std::int64_t limit) {
  return impl_->get(fmt::format("/v1/journal?since={}&limit={}", since, limit));
}

Reply Client::key(const std::string& key) {
  return impl_->get("/v1/idempotency-keys/" + encode_path_segment(key));
}

}  // namespace ledger
