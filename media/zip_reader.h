#pragma once
// A small ZIP reader over bytes in memory, enough for an uploaded folder of
// pose images: stored and deflate entries (zlib), CRC-32 checked, every offset
// and size bounds-checked. Not supported, with a clear error: ZIP64,
// encryption, multi-disk archives, other compression methods.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace animate::media {

struct ZipEntry {
  std::string name;
  std::uint16_t method = 0;  // 0 stored, 8 deflate
  std::uint16_t flags = 0;
  std::uint32_t crc32 = 0;
  std::uint64_t compressed_size = 0;
  std::uint64_t uncompressed_size = 0;
  std::uint64_t local_header_offset = 0;
  bool is_directory() const { return !name.empty() && name.back() == '/'; }
};

class ZipReader {
 public:
  // Parses the central directory. `archive` must outlive the reader; `what`
  // names the archive in messages. MediaError(kUnsupportedFormat) when the
  // bytes are not a ZIP or use an unsupported feature, kInvalidData when the
  // directory is corrupt or truncated.
  ZipReader(std::string_view archive, std::string what);

  const std::vector<ZipEntry>& entries() const { return entries_; }

  // The entry's uncompressed bytes. `max_bytes` caps the declared size (a
  // decompression bomb fails before inflating: MediaError kLimitExceeded
  // naming max_input_bytes). kInvalidData for a bad local header, inflate
  // error, size or CRC mismatch; kUnsupportedFormat for other methods or
  // encryption.
  std::string extract(const ZipEntry& entry, std::uint64_t max_bytes) const;

 private:
  std::string_view archive_;
  std::string what_;
  std::vector<ZipEntry> entries_;
};

// True when the bytes start like a ZIP archive (local header or empty archive).
bool looks_like_zip(std::string_view bytes);

}  // namespace animate::media
