// SHA-256 (FIPS 180-4), self-contained so no area needs a crypto library:
// uploads carry the hash of their content, results are stored with theirs and
// downloads are checked against it. Shared by server/, worker/ and client/.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace animate::common {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  // Lowercase hex of the digest; the object must not be updated afterwards.
  std::string hex_digest();

 private:
  void compress(const std::uint8_t* block);

  std::array<std::uint32_t, 8> state_{};
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

std::string sha256_hex(std::string_view bytes);
// Hash of a whole file, read in blocks (std::runtime_error when unreadable).
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace animate::common
