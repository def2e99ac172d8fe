// Reading the operator's signing key for ledgerd (--signing-key): the private PEM, its
// public half and its fingerprint as closings name it (ledger::signing_key_pair).
#pragma once

#include <string>

#include "ledger/fiscal.h"

namespace ledgerd {

// Throws std::runtime_error naming the file if it is unreadable or not an Ed25519 private key.
[[nodiscard]] ledger::SigningKeyPair load_signing_keys(const std::string& path);

}  // namespace ledgerd
