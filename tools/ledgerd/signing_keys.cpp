#include "signing_keys.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "ledger/error.h"
#include "ledger/fiscal.h"

namespace ledgerd {

SigningKeys load_signing_keys(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  if (!file) throw std::runtime_error(fmt::format("cannot read --signing-key {}", path));
  SigningKeys keys;
  keys.private_pem = text.str();
  std::unique_ptr<BIO, decltype(&BIO_free)> in(
      BIO_new_mem_buf(keys.private_pem.data(), static_cast<int>(keys.private_pem.size())),
      &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    throw std::runtime_error(fmt::format(
        "--signing-key {} is not an Ed25519 private key PEM; make one with `ledgerctl "
        "signing-key create`",
        path));
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), &BIO_free);
  if (PEM_write_bio_PUBKEY(out.get(), key.get()) != 1) {
    throw std::runtime_error("cannot derive the public key of --signing-key");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  keys.public_pem.assign(data, static_cast<std::size_t>(size));
  keys.fingerprint_hex = ledger::signing_key_fingerprint(keys.public_pem);
  return keys;
}

}  // namespace ledgerd
