// SHA-256 and CSPRNG bytes from OpenSSL's libcrypto, and hex encoding.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ledger::detail {

using Digest = std::array<std::uint8_t, 32>;

// SHA-256 of the concatenation of `first` and `second`.
[[nodiscard]] Digest sha256(std::string_view first, std::string_view second = {});

// `count` bytes from OpenSSL's CSPRNG. Throws Error{internal} if it is not seeded.
[[nodiscard]] std::string random_bytes(std::size_t count);

[[nodiscard]] std::string to_hex(std::string_view bytes);
[[nodiscard]] inline std::string_view as_bytes(const Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace ledger::detail
