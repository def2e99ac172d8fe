// Reading the operator's signing key for ledgerd (--signing-key): the private PEM, its
// public half (OpenSSL) and its fingerprint as closings name it.
#pragma once

#include <string>

#include "service.h"

namespace ledgerd {

// Throws std::runtime_error naming the file if it is unreadable or not an Ed25519 private key.
[[nodiscard]] SigningKeys load_signing_keys(const std::string& path);

}  // namespace ledgerd
