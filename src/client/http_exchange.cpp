#include "client/http_exchange.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "ledger/error.h"

namespace ledger::client_detail {
namespace {

[[noreturn]] void refuse(const std::string& message) {
  throw Error(ErrorCode::invalid_argument, message);
}

// "http://HOST:PORT" with no path: every route of the API starts at /v1 or /healthz.
std::string checked_base_url(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  const bool https = url.starts_with("https://");
  if (!https && !url.starts_with("http://")) {
    refuse(fmt::format("server URL \"{}\" must start with http:// or https://, e.g. "
                       "http://127.0.0.1:8080",
                       url));
  }
  const std::string authority = url.substr(https ? 8 : 7);
  if (authority.empty() || authority.find_first_of("/?#@ ") != std::string::npos) {
    refuse(fmt::format("server URL \"{}\" must be scheme://HOST:PORT with no path, e.g. "
                       "http://127.0.0.1:8080",
                       url));
  }
  return url;
}

// Transport failures worth another attempt: the network or the server may be back. A
// certificate that does not verify, or a CA file that cannot be read, will not change.
bool retryable_transport_error(httplib::Error error) {
  switch (error) {
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification:
    case httplib::Error::BindIPAddress:
    case httplib::Error::ExceedRedirectCount:
    case httplib::Error::Canceled:
    case httplib::Error::UnsupportedMultipartBoundaryChars:
    case httplib::Error::Compression:
      return false;
    default:
      return true;
  }
}

const char* transport_cause(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "connection";
    case httplib::Error::ConnectionTimeout:
      return "timeout";
    case httplib::Error::Read:
      return "read";  // a read timeout, or the connection cut before the reply
    case httplib::Error::Write:
      return "write";
    case httplib::Error::SSLConnection:
      return "tls";
    default:
      return "transport";
  }
}

// The error message of an answer {"error":{"message":...}}, else nothing.
std::string error_message(const std::string& body) {
  const auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || !parsed.contains("error") || !parsed["error"].is_object()) return {};
  const auto& error = parsed["error"];
  return error.contains("message") && error["message"].is_string()
             ? error["message"].get<std::string>()
             : std::string{};
}

// Each attempt's timeouts end at the deadline, so a call never outlasts it by more than
// one connection set-up.
std::chrono::microseconds bounded(milliseconds configured, milliseconds remaining) {
  return std::max(std::chrono::microseconds(1000),
                  std::chrono::microseconds(std::min(configured, remaining)));
}

}  // namespace

HttpExchange::HttpExchange(const ClientOptions& options,
                           std::unique_ptr<RetryEnvironment> environment)
    : options_(options), environment_(std::move(environment)) {
  options_.base_url = checked_base_url(options_.base_url);
  if (options_.token.empty()) refuse("the bearer token is empty: give the principal's token");
  if (const std::string problem = policy_problem(options_.retry); !problem.empty()) {
    refuse("retry policy: " + problem);
  }
  try {
    http_ = std::make_unique<httplib::Client>(options_.base_url);
  } catch (const std::exception& error) {
    refuse(fmt::format("server URL \"{}\": {}", options_.base_url, error.what()));
  }
  if (!http_->is_valid()) refuse(fmt::format("server URL \"{}\" is not usable", options_.base_url));
  http_->set_bearer_token_auth(options_.token);
  http_->set_keep_alive(true);
  // A request goes out in more than one send (headers, then body): with Nagle's algorithm
  // the second waits for the server's delayed ACK, about 40 ms per request.
  http_->set_tcp_nodelay(true);
  if (!options_.ca_file.empty()) http_->set_ca_cert_path(options_.ca_file);
}

HttpExchange::~HttpExchange() = default;

Reply HttpExchange::send(const HttpRequest& request) {
  Reply reply;
  reply.key = request.key;
  const LoopReport report = run_with_retries(
      options_.retry, *environment_,
      [&](int, milliseconds remaining) { return attempt(request, remaining, reply); });
  reply.attempts = report.attempts;
  reply.retries = report.retries;
  reply.stop_reason = report.stop_reason;
  return reply;
}

AttemptVerdict HttpExchange::attempt(const HttpRequest& request, milliseconds remaining,
                                     Reply& reply) {
  http_->set_connection_timeout(bounded(options_.connect_timeout, remaining));
  http_->set_read_timeout(bounded(options_.read_timeout, remaining));
  http_->set_write_timeout(bounded(options_.read_timeout, remaining));
  httplib::Headers headers;
  if (!request.key.empty()) headers.emplace("Idempotency-Key", request.key);
  const httplib::Result result =
      request.method == HttpRequest::Method::get
          ? http_->Get(request.path, headers)
          : http_->Post(request.path, headers, request.body, "application/json");
  AttemptVerdict verdict;
  if (!result) {
    std::string key = std::move(reply.key);
    reply = Reply{};
    reply.key = std::move(key);
    reply.transport_error = httplib::to_string(result.error());
    verdict.retry = retryable_transport_error(result.error());
    verdict.cause = transport_cause(result.error());
    verdict.detail = reply.transport_error;
    return verdict;
  }
  reply.status = result->status;
  reply.body = result->body;
  reply.replayed = result->get_header_value("Idempotent-Replayed") == "true";
  reply.request_id = result->get_header_value("Request-Id");
  reply.retry_after_seconds = parse_retry_after_seconds(result->get_header_value("Retry-After"));
  reply.transport_error.clear();
  verdict.retry =
      retryable_status(reply.status) && !(reply.status == 409 && request.conflict_is_final);
  verdict.retry_after_seconds = reply.retry_after_seconds;
  verdict.cause = fmt::format("http {}", reply.status);
  verdict.detail = error_message(reply.body);
  return verdict;
}

std::string encode_path_segment(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == '@';
    out += keep ? std::string(1, c) : fmt::format("%{:02X}", byte);
  }
  return out;
}

}  // namespace ledger::client_detail
