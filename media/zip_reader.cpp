#include "media/zip_reader.h"

#include <zlib.h>

#include <algorithm>

#include "media/error.h"
#include "media/limits.h"

namespace animate::media {
namespace {

constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr std::uint32_t kEndOfDirectorySignature = 0x06054b50;
constexpr std::size_t kEndOfDirectorySize = 22;
constexpr std::size_t kCentralHeaderSize = 46;
constexpr std::size_t kLocalHeaderSize = 30;
constexpr std::uint16_t kFlagEncrypted = 0x0001;
constexpr std::uint16_t kMethodStored = 0;
constexpr std::uint16_t kMethodDeflate = 8;

std::uint32_t le(std::string_view bytes, std::size_t offset, int size) {
  std::uint32_t value = 0;
  for (int i = size - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<std::uint8_t>(bytes[offset + static_cast<std::size_t>(i)]);
  }
  return value;
}

bool fits(std::string_view bytes, std::uint64_t offset, std::uint64_t size) {
  return offset <= bytes.size() && size <= bytes.size() - offset;
}

// Owns a raw-deflate (no zlib header, as ZIP stores it) inflate stream.
class Inflater {
 public:
  explicit Inflater(const std::string& what) {
    if (inflateInit2(&stream_, -MAX_WBITS) != Z_OK) {
      throw MediaError(MediaErrorCode::kEncoderError, what + ": inflateInit2 failed");
    }
  }
  ~Inflater() { inflateEnd(&stream_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  z_stream* operator->() { return &stream_; }
  z_stream* get() { return &stream_; }

 private:
  z_stream stream_{};
};

}  // namespace

bool looks_like_zip(std::string_view bytes) {
  return bytes.size() >= 4 &&
         (le(bytes, 0, 4) == kLocalHeaderSignature || le(bytes, 0, 4) == kEndOfDirectorySignature);
}

ZipReader::ZipReader(std::string_view archive, std::string what)
    : archive_(archive), what_(std::move(what)) {
  auto corrupt = [&](const std::string& detail) {
    return MediaError(MediaErrorCode::kInvalidData, what_ + ": corrupt ZIP (" + detail + ")");
  };
  if (!looks_like_zip(archive)) {
    throw MediaError(MediaErrorCode::kUnsupportedFormat, what_ + ": not a ZIP archive");
  }
  if (archive.size() < kEndOfDirectorySize) throw corrupt("shorter than an end record");
  // The end record sits at the end, followed by a comment of up to 64 KiB.
  const std::size_t lowest = archive.size() > kEndOfDirectorySize + 0xFFFF
                                 ? archive.size() - kEndOfDirectorySize - 0xFFFF
                                 : 0;
  std::size_t end = archive.size() - kEndOfDirectorySize;
  while (le(archive, end, 4) != kEndOfDirectorySignature) {
    if (end == lowest) throw corrupt("no end-of-central-directory record; truncated?");
    --end;
  }
  const std::uint32_t disk = le(archive, end + 4, 2);
  const std::uint32_t directory_disk = le(archive, end + 6, 2);
  const std::uint32_t count_on_disk = le(archive, end + 8, 2);
  const std::uint32_t count = le(archive, end + 10, 2);
  const std::uint32_t directory_size = le(archive, end + 12, 4);
  const std::uint32_t directory_offset = le(archive, end + 16, 4);
  if (count == 0xFFFF || directory_size == 0xFFFFFFFF || directory_offset == 0xFFFFFFFF) {
    throw MediaError(MediaErrorCode::kUnsupportedFormat,
                     what_ + ": ZIP64 archives are not supported");
  }
  if (disk != 0 || directory_disk != 0 || count_on_disk != count) {
    throw MediaError(MediaErrorCode::kUnsupportedFormat,
                     what_ + ": multi-disk ZIP archives are not supported");
  }
  if (std::uint64_t{directory_offset} + directory_size > end) {
    throw corrupt("central directory outside the archive; truncated?");
  }

  std::size_t pos = directory_offset;
  entries_.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    if (!fits(archive, pos, kCentralHeaderSize) || le(archive, pos, 4) != kCentralHeaderSignature) {
      throw corrupt("bad central directory header " + std::to_string(i));
    }
    ZipEntry entry;
    entry.flags = static_cast<std::uint16_t>(le(archive, pos + 8, 2));
    entry.method = static_cast<std::uint16_t>(le(archive, pos + 10, 2));
    entry.crc32 = le(archive, pos + 16, 4);
    entry.compressed_size = le(archive, pos + 20, 4);
    entry.uncompressed_size = le(archive, pos + 24, 4);
    const std::size_t name_length = le(archive, pos + 28, 2);
    const std::size_t extra_length = le(archive, pos + 30, 2);
    const std::size_t comment_length = le(archive, pos + 32, 2);
    entry.local_header_offset = le(archive, pos + 42, 4);
    if (entry.compressed_size == 0xFFFFFFFF || entry.uncompressed_size == 0xFFFFFFFF ||
        entry.local_header_offset == 0xFFFFFFFF) {
      throw MediaError(MediaErrorCode::kUnsupportedFormat,
                       what_ + ": ZIP64 archives are not supported");
    }
    const std::size_t record = kCentralHeaderSize + name_length + extra_length + comment_length;
    if (!fits(archive, pos, record)) throw corrupt("central directory entry " + std::to_string(i));
    entry.name.assign(archive.substr(pos + kCentralHeaderSize, name_length));
    entries_.push_back(std::move(entry));
    pos += record;
  }
}

std::string ZipReader::extract(const ZipEntry& entry, std::uint64_t max_bytes) const {
  const std::string what = what_ + " entry '" + entry.name + "'";
  auto corrupt = [&](const std::string& detail) {
    return MediaError(MediaErrorCode::kInvalidData, what + ": " + detail);
  };
  if (entry.flags & kFlagEncrypted) {
    throw MediaError(MediaErrorCode::kUnsupportedFormat,
                     what + ": encrypted entries are not supported");
  }
  if (entry.method != kMethodStored && entry.method != kMethodDeflate) {
    throw MediaError(MediaErrorCode::kUnsupportedFormat,
                     what + ": compression method " + std::to_string(entry.method) +
                         " is not supported (only stored and deflate)");
  }
  MediaLimits limits;
  limits.max_input_bytes = max_bytes;
  check_input_bytes(entry.uncompressed_size, limits, what);

  const std::uint64_t header = entry.local_header_offset;
  if (!fits(archive_, header, kLocalHeaderSize) ||
      le(archive_, static_cast<std::size_t>(header), 4) != kLocalHeaderSignature) {
    throw corrupt("bad local header");
  }
  const std::uint64_t data_offset = header + kLocalHeaderSize +
                                    le(archive_, static_cast<std::size_t>(header) + 26, 2) +
                                    le(archive_, static_cast<std::size_t>(header) + 28, 2);
  if (!fits(archive_, data_offset, entry.compressed_size)) {
    throw corrupt("data runs past the end of the archive; truncated?");
  }
  const std::string_view packed = archive_.substr(static_cast<std::size_t>(data_offset),
                                                  static_cast<std::size_t>(entry.compressed_size));

  std::string bytes;
  if (entry.method == kMethodStored) {
    if (entry.compressed_size != entry.uncompressed_size) throw corrupt("stored size mismatch");
    bytes.assign(packed);
  } else {
    bytes.resize(static_cast<std::size_t>(entry.uncompressed_size));
    Inflater stream(what);
    stream->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
    stream->avail_in = static_cast<uInt>(packed.size());
    // One spare byte so data longer than declared is detected, not truncated.
    std::string spare(1, '\0');
    stream->next_out = reinterpret_cast<Bytef*>(bytes.data());
    stream->avail_out = static_cast<uInt>(bytes.size());
    int status = inflate(stream.get(), Z_FINISH);
    if (status != Z_STREAM_END && stream->avail_out == 0) {
      stream->next_out = reinterpret_cast<Bytef*>(spare.data());
      stream->avail_out = 1;
      status = inflate(stream.get(), Z_FINISH);
      if (stream->avail_out == 0) throw corrupt("inflates to more than its declared size");
    }
    if (status != Z_STREAM_END) {
      throw corrupt(std::string("deflate data is corrupt or truncated (") +
                    (stream->msg ? stream->msg : "zlib status " + std::to_string(status)) + ")");
    }
    if (stream->total_out != entry.uncompressed_size) {
      throw corrupt("inflated to " + std::to_string(stream->total_out) + " bytes, declared " +
                    std::to_string(entry.uncompressed_size));
    }
  }
  const uLong crc =
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size()));
  if (crc != entry.crc32) throw corrupt("CRC-32 mismatch");
  return bytes;
}

}  // namespace animate::media
