#include "signing_keys.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "ledger/error.h"

namespace ledgerd {

ledger::SigningKeyPair load_signing_keys(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  if (!file) throw std::runtime_error(fmt::format("cannot read --signing-key {}", path));
  try {
    return ledger::signing_key_pair(text.str());
  } catch (const ledger::Error&) {
    throw std::runtime_error(fmt::format(
        "--signing-key {} is not an Ed25519 private key PEM; make one with `ledgerctl "
        "signing-key create`",
        path));
  }
}

}  // namespace ledgerd
