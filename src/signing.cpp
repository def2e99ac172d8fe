#include "signing.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "ledger/error.h"

namespace ledger::detail {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct ContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using ContextPtr = std::unique_ptr<EVP_MD_CTX, ContextFree>;

[[noreturn]] void openssl_failed(std::string_view what) {
  throw Error(ErrorCode::internal, fmt::format("OpenSSL failed to {}", what));
}

BioPtr read_bio(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) openssl_failed("allocate a buffer");
  return bio;
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

KeyPtr load_key(std::string_view pem, bool want_private, std::string_view source) {
  BioPtr bio = read_bio(pem);
  KeyPtr key(want_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                          : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{} is not an Ed25519 {} key in PEM form; create a key pair with "
                            "`ledgerctl signing-key create`",
                            source, want_private ? "private" : "public"));
  }
  return key;
}

// A private key PEM holds the public key too; try it as private first.
KeyPtr load_any_key(std::string_view pem, std::string_view source) {
  if (pem.find("PRIVATE KEY") != std::string_view::npos) return load_key(pem, true, source);
  return load_key(pem, false, source);
}

std::string public_pem(EVP_PKEY* key) {
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_PUBKEY(out.get(), key) != 1) openssl_failed("write a public key");
  return drain(out.get());
}

}  // namespace

SigningKeyPair generate_signing_key() {
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) openssl_failed("generate an Ed25519 key");
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    openssl_failed("write a private key");
  }
  return {drain(out.get()), public_pem(key.get())};
}

std::string sign_message(std::string_view private_pem, std::string_view message,
                         std::string_view source) {
  KeyPtr key = load_key(private_pem, true, source);
  ContextPtr context(EVP_MD_CTX_new());
  std::string signature(64, '\0');
  std::size_t length = signature.size();
  if (!context || EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    openssl_failed("sign with Ed25519");
  }
  signature.resize(length);
  return signature;
}

struct PublicKey::Key {
  KeyPtr key;
};

PublicKey::PublicKey(std::string_view pem, std::string_view source)
    : key_(std::make_unique<Key>(Key{load_key(pem, false, source)})) {
  unsigned char raw[64];
  std::size_t length = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key_->key.get(), raw, &length) != 1) {
    openssl_failed("read a raw public key");
  }
  fingerprint_ = sha256(std::string_view(reinterpret_cast<const char*>(raw), length));
}

PublicKey::~PublicKey() = default;
PublicKey::PublicKey(PublicKey&&) noexcept = default;
PublicKey& PublicKey::operator=(PublicKey&&) noexcept = default;

bool PublicKey::verifies(std::string_view message, std::string_view signature) const {
  ContextPtr context(EVP_MD_CTX_new());
  if (!context ||
      EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key_->key.get()) != 1) {
    openssl_failed("start an Ed25519 verification");
  }
  return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

bool signature_valid(std::string_view public_pem_text, std::string_view message,
                     std::string_view signature, std::string_view source) {
  return PublicKey(public_pem_text, source).verifies(message, signature);
}

std::string public_pem_of(std::string_view private_pem, std::string_view source) {
  KeyPtr key = load_key(private_pem, true, source);
  return public_pem(key.get());
}

Digest key_fingerprint(std::string_view pem, std::string_view source) {
  KeyPtr key = load_any_key(pem, source);
  unsigned char raw[64];
  std::size_t length = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key.get(), raw, &length) != 1) {
    openssl_failed("read a raw public key");
  }
  return sha256(std::string_view(reinterpret_cast<const char*>(raw), length));
}

}  // namespace ledger::detail
