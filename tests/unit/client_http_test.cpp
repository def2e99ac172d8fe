// Goal: ledger::Client over a real socket keeps ONE idempotency key across every retry,
// retries exactly the transient answers (503 with Retry-After, 500, 409, 429, a connection
// cut mid-reply, a refused connection) and returns every other answer after one attempt.
// Method: an httplib::Server on 127.0.0.1 (a free port) answers each request from a script
// and records what it received; the test compares the records with the client's Reply.
#include <doctest/doctest.h>
#include <httplib.h>

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ledger/client.h"
#include "ledger/error.h"

using namespace ledger;
using std::chrono::milliseconds;

namespace {

using Answer = std::function<void(httplib::Response&)>;

struct Received {
  std::string path;
  std::string key;
  std::string authorization;
  std::string body;
};

Answer status(int code, std::string body = R"({"error":{"message":"scripted"}})",
              httplib::Headers headers = {}) {
  return [=](httplib::Response& response) {
    response.status = code;
    for (const auto& [name, value] : headers) response.set_header(name, value);
    response.set_content(body, "application/json");
  };
}

// Headers go out, then the connection closes before the promised body: the client cannot
// know whether the server did the work (the lost reply of the seeds' timeline).
Answer cut() {
  return [](httplib::Response& response) {
    response.status = 201;
    response.set_content_provider(
        100, "application/json",
        [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
  };
}

// A server on a free loopback port that answers each path from a script (the last answer
// repeats once the script runs out) and records every request.
class ScriptedServer {
 public:
  ScriptedServer() {
    const auto handler = [this](const httplib::Request& request, httplib::Response& response) {
      Answer answer;
      {
        std::lock_guard lock(mutex_);
        received_.push_back({request.path, request.get_header_value("Idempotency-Key"),
                             request.get_header_value("Authorization"), request.body});
        auto& script = scripts_[request.path];
        // An unscripted path gets 418, a final answer no test expects.
        answer = script.empty() ? status(418) : script.front();
        if (script.size() > 1) script.pop_front();
      }
      answer(response);
    };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() does nothing to a server that is not running yet: wait until it is, so that
    // the destructor cannot leave the thread listening forever. Bounded: 10 s.
    for (int i = 0; i < 10000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    REQUIRE(server_.is_running());
  }
  ~ScriptedServer() {
    server_.stop();
    thread_.join();
  }

  void script(const std::string& path, std::vector<Answer> answers) {
    std::lock_guard lock(mutex_);
    scripts_[path] = std::deque<Answer>(answers.begin(), answers.end());
  }
  std::vector<Received> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::map<std::string, std::deque<Answer>> scripts_;
  std::vector<Received> received_;
};

ClientOptions fast_options(const std::string& url, int max_attempts = 10) {
  ClientOptions options;
  options.base_url = url;
  options.token = "secret-token";
  options.retry.max_attempts = max_attempts;
  options.retry.initial_backoff = milliseconds(1);
  options.retry.max_backoff = milliseconds(5);
  options.retry.deadline = milliseconds(60000);
  return options;
}

TransferCall sale(std::string key = {}) {
  TransferCall call;
  call.key = std::move(key);
  call.from = "customer:1";
  call.to = "till:7";
  call.amount_minor = 1234;
  call.currency = "EUR";
  call.memo = "till 7 sale 1";
  return call;
}

const std::string kCreated = R"({"status":"created","sequence":1})";

}  // namespace

TEST_CASE("a transfer survives 503, 500, 409, 429 and a cut reply with the same key") {
  ScriptedServer server;
  server.script("/v1/transfers",
                {status(503, R"({"error":{"message":"busy"}})", {{"Retry-After", "0"}}),
                 status(500), status(409), status(429), cut(),
                 status(201, kCreated, {{"Idempotent-Replayed", "true"}, {"Request-Id", "r6"}})});
  Client client(fast_options(server.url()));
  const Reply reply = client.transfer(sale());

  CHECK(reply.status == 201);
  CHECK(reply.body == kCreated);
  CHECK(reply.replayed);
  CHECK(reply.request_id == "r6");
  CHECK(reply.attempts == 6);
  CHECK(reply.stop_reason.empty());
  REQUIRE(reply.retries.size() == 5);
  CHECK(reply.retries[0].cause == "http 503");
  CHECK(reply.retries[0].detail == "busy");
  CHECK(reply.retries[1].cause == "http 500");
  CHECK(reply.retries[2].cause == "http 409");
  CHECK(reply.retries[3].cause == "http 429");
  CHECK(reply.retries[4].cause == "read");

  const std::vector<Received> received = server.received();
  REQUIRE(received.size() == 6);
  CHECK_FALSE(reply.key.empty());
  for (const Received& request : received) {
    CHECK(request.key == reply.key);  // ONE key for the logical operation
    CHECK(request.body == received.front().body);
    CHECK(request.authorization == "Bearer secret-token");
  }
  const auto body = nlohmann::json::parse(received.front().body);
  CHECK(body["amount"] == "12.34");
  CHECK(body["from"] == "customer:1");
  CHECK(body["to"] == "till:7");
  CHECK(body["currency"] == "EUR");
  CHECK(body["memo"] == "till 7 sale 1");
}

TEST_CASE("final answers are returned after one attempt") {
  for (const int code : {200, 201, 400, 401, 402, 403, 404, 413, 422}) {
    CAPTURE(code);
    ScriptedServer server;
    server.script("/v1/transfers", {status(code, R"({"status":"x"})"), status(201, kCreated)});
    Client client(fast_options(server.url()));
    const Reply reply = client.transfer(sale("caller-key-1"));
    CHECK(reply.status == code);
    CHECK(reply.body == R"({"status":"x"})");
    CHECK(reply.attempts == 1);
    CHECK(reply.retries.empty());
    CHECK(reply.key == "caller-key-1");
    REQUIRE(server.received().size() == 1);
    CHECK(server.received().front().key == "caller-key-1");
  }
}

TEST_CASE("retries stop after max_attempts and return the last answer") {
  ScriptedServer server;
  server.script("/v1/transfers", {status(503, R"({"error":{"message":"busy"}})")});
  Client client(fast_options(server.url(), 3));
  const Reply reply = client.transfer(sale());
  CHECK(reply.status == 503);
  CHECK(reply.attempts == 3);
  CHECK(reply.stop_reason == "attempts");
  const std::vector<Received> received = server.received();
  REQUIRE(received.size() == 3);
  for (const Received& request : received) CHECK(request.key == reply.key);
}

TEST_CASE("a Retry-After beyond the deadline is not waited for") {
  ScriptedServer server;
  server.script("/v1/transfers", {status(503, "{}", {{"Retry-After", "3600"}})});
  Client client(fast_options(server.url()));
  const Reply reply = client.transfer(sale());
  CHECK(reply.status == 503);
  CHECK(reply.attempts == 1);
  CHECK(reply.stop_reason == "deadline");
  CHECK(reply.retry_after_seconds == 3600);
}

TEST_CASE("a refused connection is retried, then reported with status 0") {
  std::string url;
  {
    ScriptedServer closed;  // a port that was free a moment ago, and is closed again
    url = closed.url();
  }
  Client client(fast_options(url, 3));
  const Reply reply = client.transfer(sale());
  CHECK(reply.status == 0);
  CHECK(reply.attempts == 3);
  CHECK_FALSE(reply.transport_error.empty());
  REQUIRE(reply.retries.size() == 2);
  CHECK(reply.retries[0].cause == "connection");
}

TEST_CASE("a key issued by the server is used on every attempt") {
  ScriptedServer server;
  server.script("/v1/idempotency-keys",
                {status(503), status(201, R"({"key":"issued-42","operation":"transfer"})")});
  server.script("/v1/transfers", {status(500), status(201, kCreated)});
  ClientOptions options = fast_options(server.url());
  options.key_source = KeySource::server;
  Client client(options);
  const Reply reply = client.transfer(sale());
  CHECK(reply.status == 201);
  CHECK(reply.key == "issued-42");
  CHECK(reply.attempts == 2);
  const std::vector<Received> received = server.received();
  REQUIRE(received.size() == 4);
  CHECK(nlohmann::json::parse(received[0].body)["operation"] == "transfer");
  CHECK(received[2].key == "issued-42");
  CHECK(received[3].key == "issued-42");
}

TEST_CASE("when the server issues no key, the key request's answer is returned") {
  ScriptedServer server;
  server.script("/v1/idempotency-keys", {status(401, R"({"error":{"message":"no"}})")});
  ClientOptions options = fast_options(server.url());
  options.key_source = KeySource::server;
  Client client(options);
  const Reply reply = client.transfer(sale());
  CHECK(reply.status == 401);
  CHECK(reply.key.empty());
  CHECK(server.received().size() == 1);
}

TEST_CASE("409 on account creation means the account exists: not retried") {
  ScriptedServer server;
  server.script("/v1/accounts", {status(409, R"({"error":{"code":"account_exists"}})")});
  Client client(fast_options(server.url()));
  AccountCall call;
  call.code = "till:7";
  call.currency = "EUR";
  const Reply reply = client.create_account(call);
  CHECK(reply.status == 409);
  CHECK(reply.attempts == 1);
}

TEST_CASE("batch items keep their own keys, and paths are percent-encoded") {
  ScriptedServer server;
  server.script("/v1/batches", {status(503), status(200, R"({"items":[]})")});
  // The server sees the decoded path; sent raw, the space would break the request line.
  server.script("/v1/accounts/caf\xc3\xa9 till", {status(200, "{}")});
  Client client(fast_options(server.url()));
  const Reply reply = client.batch({sale("given"), sale()}, true);
  CHECK(reply.status == 200);
  REQUIRE(reply.item_keys.size() == 2);
  CHECK(reply.item_keys[0] == "given");
  const std::vector<Received> received = server.received();
  REQUIRE(received.size() == 2);
  CHECK(received[0].body == received[1].body);  // the retry sends the same item keys
  const auto body = nlohmann::json::parse(received[0].body);
  CHECK(body["linked"] == true);
  CHECK(body["items"][1]["idempotency_key"] == reply.item_keys[1]);
  CHECK(client.account("caf\xc3\xa9 till").status == 200);
}

TEST_CASE("a bad server URL or an empty token is refused before any request") {
  CHECK_THROWS_AS(Client(fast_options("ftp://127.0.0.1:1")), Error);
  CHECK_THROWS_AS(Client(fast_options("http://127.0.0.1:1/prefix")), Error);
  CHECK_THROWS_AS(Client(fast_options("127.0.0.1:1")), Error);
  ClientOptions no_token = fast_options("http://127.0.0.1:1");
  no_token.token.clear();
  CHECK_THROWS_AS(Client{no_token}, Error);
}

TEST_CASE("client keys are distinct UUIDv7 texts") {
  std::set<std::string> keys;
  for (int i = 0; i < 1000; ++i) {
    const std::string key = make_uuid_v7();
    REQUIRE(key.size() == 36);
    CHECK(key[14] == '7');
    CHECK(std::string("89ab").find(key[19]) != std::string::npos);
    keys.insert(key);
  }
  CHECK(keys.size() == 1000);
}
