// Fiscal integrity (SPEC 10): signing keys, signed closings, audit archives.
//
// A closing seals the record up to a time: the period's first and last journal sequence,
// totals per account and currency for the period, perpetual totals since the first row,
// the heads of the journal, outcome and event chains, and the previous closing's hash, in
// one JSON document signed with the operator's Ed25519 key (OpenSSL). Ledger::close makes
// one exactly once per (principal, key); Ledger::verify(VerifyOptions{public_key}) checks
// every signature and that the record up to each closing is exactly what was signed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ledger/types.h"

namespace ledger {

struct SigningKeyPair {
  std::string private_pem;      // PKCS#8 PEM: keep it secret (the operator's, not the file's)
  std::string public_pem;       // SubjectPublicKeyInfo PEM: give it to the auditor
  std::string fingerprint_hex;  // SHA-256 of the raw public key, as closings name it
};

// A fresh Ed25519 key pair from OpenSSL's CSPRNG.
[[nodiscard]] SigningKeyPair generate_signing_key();

// The key pair of an existing Ed25519 private key (PEM): its public half and fingerprint,
// e.g. for a server that signs closings with the operator's key file. Throws
// Error{invalid_argument} if `private_pem` is not an Ed25519 private key in PEM form.
[[nodiscard]] SigningKeyPair signing_key_pair(const std::string& private_pem);

// The fingerprint of the key in `pem` (a public or a private key). Throws
// Error{invalid_argument} if it is not an Ed25519 key in PEM form.
[[nodiscard]] std::string signing_key_fingerprint(const std::string& pem);

struct CloseRequest {
  std::string principal;  // who closes, e.g. "operator"
  std::string key;        // the closing's idempotency key: a retry replays the same closing
  // Close the journal rows written up to this time (unix epoch ms); default: now. Never
  // earlier than the previous closing's time, never in the future.
  std::optional<std::int64_t> until_ms;
  std::string signing_key_pem;  // the operator's Ed25519 private key (PEM)
};

struct Closing {
  std::int64_t number = 0;          // 1, 2, 3, ...
  std::int64_t until_ms = 0;        // the period ends here
  std::int64_t first_sequence = 0;  // the period's journal rows: first..last
  std::int64_t last_sequence = 0;   // (last = first - 1: no rows in the period)
  std::int64_t closed_at_ms = 0;
  std::string document;             // the signed text: a JSON object (see README)
  std::string hash_hex;             // SHA-256 of document
  std::string signature_hex;        // Ed25519 signature of document
  std::string key_fingerprint_hex;  // the key that signed it
};

struct VerifyOptions {
  // Also check every closing's signature against this Ed25519 public key (PEM): a closing
  // signed by another key, or not matching its signature, is a violation.
  std::optional<std::string> public_key_pem;
};

// Checks an archive written by Ledger::export_audit with nothing but the archive and the
// public key: the bytes against its manifest, every chain, every closing's signature and
// totals. Throws Error{not_found|invalid_argument} if the file cannot be read as one.
[[nodiscard]] VerifyReport verify_audit_archive(const std::string& archive_path,
                                                const std::string& public_key_pem);

}  // namespace ledger
