// ledger::Client: the retrying client of ledgerd's HTTP API (SPEC 8).
//
// It hides the failure timeline of a network (a request lost before the server, a
// connection cut while the server works, a reply lost after the commit) from its caller:
// every money-moving call uses ONE idempotency key, chosen before the first attempt (or
// given by the caller) and sent unchanged on every retry, so a retry after a lost reply
// replays the stored answer instead of moving money twice.
//
// Retries (the same for every call): connection errors, timeouts, and the statuses 409
// (key in use), 429, 500 and 503. The wait before retry n (n = 0 for the first retry) is
// drawn uniformly from [0, min(max_backoff, initial_backoff * 2^n)] ("full jitter"); a
// Retry-After header (seconds) is a lower bound on it. No attempt starts after the
// deadline, and no wait reaches past it: when the next wait would, the client stops and
// returns the last answer. Any other status (2xx, 400, 401, 402, 403, 404, 413, 422, ...)
// is final and returned at once.
//
// Thread safety: a Client is not thread-safe; give each thread its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ledger {

// How one logical operation is retried.
struct RetryPolicy {
  int max_attempts = 8;                             // >= 1, the first attempt included
  std::chrono::milliseconds initial_backoff{100};   // ceiling of the first retry's wait
  std::chrono::milliseconds max_backoff{5000};      // the ceiling never grows past this
  std::chrono::milliseconds deadline{30000};        // overall, from the first attempt
};

// Where the key of a money-moving call comes from when the caller gives none.
enum class KeySource {
  client,  // a UUIDv7 made here (time-ordered, 74 random bits from OpenSSL's CSPRNG)
  server,  // issued by the server (POST /v1/idempotency-keys), for servers that accept only
           // issued keys
};

struct ClientOptions {
  std::string base_url;  // "http://HOST:PORT" or "https://HOST:PORT", no path
  std::string token;     // bearer token of the principal
  std::string ca_file;   // https: PEM file of the CA to trust (empty: the system's CAs)
  std::chrono::milliseconds connect_timeout{3000};  // per attempt
  std::chrono::milliseconds read_timeout{10000};    // per attempt, also used for writing
  RetryPolicy retry;
  KeySource key_source = KeySource::client;
};

// One attempt that gave no final answer, and the wait before the next one.
struct RetryReason {
  int attempt = 0;      // 1-based number of the attempt that failed
  std::string cause;    // "http 503", "http 409", "connection", "timeout", "read", ...
  std::string detail;   // the server's error message or the transport error, one line
  std::chrono::milliseconds wait{0};  // slept before the next attempt
};

// What a call ended with. `status` is 0 when no HTTP answer came at all (then
// `transport_error` says why); otherwise it is the final answer's status and `body` its
// body, byte for byte as received.
struct Reply {
  int status = 0;
  std::string body;
  bool replayed = false;   // header Idempotent-Replayed: true
  std::string request_id;  // header Request-Id of the final answer
  std::optional<std::int64_t> retry_after_seconds;  // of the final answer, if any
  int attempts = 0;
  std::string key;                     // the idempotency key sent (money-moving calls)
  std::vector<std::string> item_keys;  // batch: each item's key, in order
  std::vector<RetryReason> retries;    // why each retry happened, in order
  std::string transport_error;         // status 0: what failed last
  std::string stop_reason;  // why retrying stopped early: "attempts", "deadline" or empty
};

// A transfer (POST /v1/transfers). `key` empty: the client chooses one (ClientOptions).
struct TransferCall {
  std::string key;
  std::string from;
  std::string to;
  std::int64_t amount_minor = 0;  // in `currency`'s minor units, > 0
  std::string currency;
  std::string memo;
};

// A hold (POST /v1/pending).
struct ReserveCall {
  TransferCall transfer;
  std::optional<std::int64_t> timeout_seconds;
};

// Post or void of the hold made by journal row `pending_sequence`, or a refund of the
// transfer `original_sequence` (POST /v1/transfers/{seq}/reversals). A partial amount is
// decimal text in the currency of that row ("4.99"): only the server knows the row's
// currency, so the client cannot turn minor units into the wire's decimal text.
struct StepCall {
  std::string key;
  std::int64_t sequence = 0;
  std::optional<std::string> amount;
  std::string memo;  // sent only when not empty
};

// A new account (POST /v1/accounts, admin token).
struct AccountCall {
  std::string code;
  std::string currency;
  std::string overdraft = "none";  // "none", "limit" or "unlimited"
  std::optional<std::string> overdraft_limit;  // decimal text, with "limit"
  std::string name;
};

class Client {
 public:
  // Throws ledger::Error(invalid_argument) for a base URL that is not http(s)://HOST:PORT,
  // an empty token, or a retry policy with max_attempts < 1 or negative durations.
  explicit Client(ClientOptions options);
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // POST /v1/idempotency-keys: the server's answer (201 {"key","operation","expires_at"}).
  [[nodiscard]] Reply issue_key(const std::string& operation,
                                std::optional<std::int64_t> ttl_seconds = std::nullopt);

  // The money-moving calls. Each one keeps its key across every attempt; Reply::key
  // tells which key it was, so that the caller can retry later with the same key. With
  // an empty call.key and KeySource::server, a key request that gets no key is returned
  // as the Reply (its status, body and attempts; Reply::key empty).
  // Throws ledger::Error(invalid_argument) for a currency the library does not know.
  [[nodiscard]] Reply transfer(const TransferCall& call);
  [[nodiscard]] Reply reserve(const ReserveCall& call);
  [[nodiscard]] Reply post(const StepCall& call);
  [[nodiscard]] Reply void_pending(const StepCall& call);
  [[nodiscard]] Reply reverse(const StepCall& call);
  // POST /v1/batches: each item keeps its own key (chosen here when empty; see
  // Reply::item_keys). Retrying the whole batch is safe: items already done replay.
  [[nodiscard]] Reply batch(const std::vector<TransferCall>& items, bool linked);

  // POST /v1/accounts. 409 (the account exists) is final here, not retried.
  [[nodiscard]] Reply create_account(const AccountCall& call);

  // Reads: GET /v1/accounts/{code}, /v1/accounts, /v1, /v1/journal, /v1/idempotency-keys/{key}.
  [[nodiscard]] Reply account(const std::string& code);
  [[nodiscard]] Reply accounts();
  [[nodiscard]] Reply service_document();
  [[nodiscard]] Reply journal(std::int64_t since, std::int64_t limit);
  [[nodiscard]] Reply key(const std::string& key);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A UUIDv7 text ("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"): 48 bits of Unix milliseconds,
// then 74 bits from OpenSSL's RAND_bytes. Throws ledger::Error(internal) if the CSPRNG
// fails.
[[nodiscard]] std::string make_uuid_v7();

}  // namespace ledger
