// SHA-256 (FIPS 180-4), incremental, so uploads are hashed chunk by chunk as
// they arrive. Self-contained to keep the server free of a crypto library
// dependency for one hash.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace animate::server {

class Sha256 {
 public:
  Sha256();

  void update(std::string_view bytes);
  // Lowercase hex of the digest. Ends the computation: call once.
  std::string hex_digest();

 private:
  void compress(const std::uint8_t* block);

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

// Lowercase hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace animate::server
