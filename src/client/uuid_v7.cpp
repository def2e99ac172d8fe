// UUIDv7 (RFC 9562): the client's own idempotency keys. The time prefix keeps keys made
// by one till in order (handy when reading a key list); the 74 random bits make two
// tills' keys collide with negligible probability.
#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

#include "ledger/client.h"
#include "ledger/error.h"

namespace ledger {

std::string make_uuid_v7() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw Error(ErrorCode::internal,
                "OpenSSL's RAND_bytes failed to make a key: check the system's entropy source "
                "or pass a key of your own");
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto unix_ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<unsigned char>(unix_ms >> (40 - 8 * i));
  bytes[6] = static_cast<unsigned char>(0x70 | (bytes[6] & 0x0F));  // version 7
  bytes[8] = static_cast<unsigned char>(0x80 | (bytes[8] & 0x3F));  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += kHex[bytes[i] >> 4];
    text += kHex[bytes[i] & 0x0F];
  }
  return text;
}

}  // namespace ledger
