// Ed25519 signing keys and signatures through OpenSSL's EVP API (SPEC 10): the operator's
// key signs each closing; anyone holding the public key checks it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "crypto.h"

namespace ledger::detail {

struct SigningKeyPair {
  std::string private_pem;  // PKCS#8 "PRIVATE KEY"
  std::string public_pem;   // SubjectPublicKeyInfo "PUBLIC KEY"
};

// A fresh Ed25519 key pair from OpenSSL's CSPRNG.
[[nodiscard]] SigningKeyPair generate_signing_key();

// The 64-byte Ed25519 signature of `message` by the private key in `private_pem`.
// Throws Error{invalid_argument} naming `source` if the PEM is not an Ed25519 private key.
[[nodiscard]] std::string sign_message(std::string_view private_pem, std::string_view message,
                                       std::string_view source);

// An Ed25519 public key, decoded once (OpenSSL's PEM decoder costs milliseconds; verify
// checks every closing with the same key).
class PublicKey {
 public:
  // Throws Error{invalid_argument} naming `source` if the PEM is not an Ed25519 public key.
  PublicKey(std::string_view pem, std::string_view source);
  ~PublicKey();
  PublicKey(PublicKey&&) noexcept;
  PublicKey& operator=(PublicKey&&) noexcept;
  // Whether `signature` is this key's Ed25519 signature of `message`.
  [[nodiscard]] bool verifies(std::string_view message, std::string_view signature) const;
  [[nodiscard]] const Digest& fingerprint() const { return fingerprint_; }

 private:
  struct Key;
  std::unique_ptr<Key> key_;
  Digest fingerprint_{};
};

// Whether `signature` is the Ed25519 signature of `message` by the key in `public_pem`.
// Throws Error{invalid_argument} naming `source` if the PEM is not an Ed25519 public key.
[[nodiscard]] bool signature_valid(std::string_view public_pem, std::string_view message,
                                   std::string_view signature, std::string_view source);

// The public key (PEM) that belongs to a private key (PEM).
[[nodiscard]] std::string public_pem_of(std::string_view private_pem, std::string_view source);

// SHA-256 of the raw 32-byte public key: how the ledger and closings name a key.
// Accepts a public or a private key PEM.
[[nodiscard]] Digest key_fingerprint(std::string_view pem, std::string_view source);

}  // namespace ledger::detail
