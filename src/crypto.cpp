#include "crypto.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "ledger/error.h"

namespace ledger::detail {

namespace {

// Fetching the algorithm and allocating a context are the expensive parts of a digest in
// OpenSSL 3: do each once (per process, per thread) instead of per hash.
const EVP_MD* sha256_algorithm() {
  static EVP_MD* algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return algorithm;
}

EVP_MD_CTX* thread_context() {
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                               &EVP_MD_CTX_free);
  return context.get();
}

}  // namespace

Digest sha256(std::string_view first, std::string_view second) {
  Digest digest{};
  EVP_MD_CTX* context = thread_context();
  unsigned int length = 0;
  if (context == nullptr || sha256_algorithm() == nullptr ||
      EVP_DigestInit_ex(context, sha256_algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(context, first.data(), first.size()) != 1 ||
      EVP_DigestUpdate(context, second.data(), second.size()) != 1 ||
      EVP_DigestFinal_ex(context, digest.data(), &length) != 1 || length != 32) {
    throw Error(ErrorCode::internal, "SHA-256 failed in OpenSSL's libcrypto");
  }
  return digest;
}

std::string random_bytes(std::size_t count) {
  std::string bytes(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) {
    throw Error(ErrorCode::internal,
                "the system random generator (OpenSSL RAND_bytes) failed; cannot issue keys");
  }
  return bytes;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0f]);
  }
  return hex;
}

}  // namespace ledger::detail
