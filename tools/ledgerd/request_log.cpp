#include "request_log.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>

#include "output.h"

namespace ledgerd {
namespace {

thread_local RequestContext context;

constexpr std::string_view kKeysPath = "/v1/idempotency-keys/";

std::string hex(const unsigned char* bytes, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) text += fmt::format("{:02x}", bytes[i]);
  return text;
}

std::string new_request_id() {
  std::array<unsigned char, 12> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // An id only has to tell requests apart in a log; a counter does when the CSPRNG fails.
    static std::atomic<unsigned long long> counter{0};
    return fmt::format("req-{}", ++counter);
  }
  return hex(bytes.data(), bytes.size());
}

// The path as logged: a key in GET /v1/idempotency-keys/{key} is replaced by its
// fingerprint, and control characters are escaped so that one request stays one line.
std::string logged_path(const std::string& path) {
  if (path.size() > kKeysPath.size() && path.compare(0, kKeysPath.size(), kKeysPath) == 0) {
    return std::string(kKeysPath) + key_fingerprint(path.substr(kKeysPath.size()));
  }
  return ledgerctl::one_line(path);
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

RequestContext& current_request() { return context; }

void begin_request(httplib::Response& res) {
  if (!context.started) {
    context = RequestContext{};
    context.started = true;
    context.id = new_request_id();
    context.start = std::chrono::steady_clock::now();
  }
  if (!res.has_header("Request-Id")) res.set_header("Request-Id", context.id);
}

void note_key(std::string_view key) { context.key_fingerprint = key_fingerprint(key); }

std::string key_fingerprint(std::string_view key) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(key.data(), key.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    return "sha256:unavailable";
  }
  return "sha256:" + hex(digest.data(), 6);
}

void log_request(const httplib::Request& req, const httplib::Response& res) {
  const auto elapsed = std::chrono::steady_clock::now() - context.start;
  const double duration_ms = std::chrono::duration<double, std::milli>(elapsed).count();
  std::string line = fmt::format(
      "{} request_id={} principal={} method={} path={} status={} replayed={} duration_ms={:.1f}",
      ledgerctl::format_time_ms(now_ms()), context.id,
      context.principal.empty() ? "-" : ledgerctl::one_line(context.principal),
      ledgerctl::one_line(req.method), logged_path(req.path), res.status,
      context.replayed ? (*context.replayed ? "true" : "false") : "-", duration_ms);
  if (!context.key_fingerprint.empty()) line += " key=" + context.key_fingerprint;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  context = RequestContext{};
}

}  // namespace ledgerd
