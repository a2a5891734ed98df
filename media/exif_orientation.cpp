#include "media/exif_orientation.h"

#include <cstdint>

namespace animate::media {
namespace {

constexpr std::uint16_t kOrientationTag = 0x0112;
constexpr std::uint16_t kTypeShort = 3;
constexpr std::uint16_t kTypeLong = 4;

class TiffReader {
 public:
  TiffReader(std::string_view bytes, bool little_endian)
      : bytes_(bytes), little_endian_(little_endian) {}
  bool has(std::size_t offset, std::size_t size) const {
    return offset <= bytes_.size() && size <= bytes_.size() - offset;
  }
  std::uint32_t read(std::size_t offset, int size) const {
    std::uint32_t value = 0;
    for (int i = 0; i < size; ++i) {
      const auto byte = static_cast<std::uint8_t>(
          bytes_[offset + static_cast<std::size_t>(little_endian_ ? size - 1 - i : i)]);
      value = (value << 8) | byte;
    }
    return value;
  }

 private:
  std::string_view bytes_;
  bool little_endian_;
};

}  // namespace

int exif_orientation_from_tiff(std::string_view tiff) {
  if (tiff.size() < 8) return 1;
  bool little_endian = false;
  if (tiff.substr(0, 2) == "II") {
    little_endian = true;
  } else if (tiff.substr(0, 2) != "MM") {
    return 1;
  }
  const TiffReader reader(tiff, little_endian);
  if (reader.read(2, 2) != 42) return 1;
  const std::size_t ifd = reader.read(4, 4);
  if (!reader.has(ifd, 2)) return 1;
  const std::size_t entries = reader.read(ifd, 2);
  for (std::size_t i = 0; i < entries; ++i) {
    const std::size_t entry = ifd + 2 + 12 * i;
    if (!reader.has(entry, 12)) return 1;
    if (reader.read(entry, 2) != kOrientationTag) continue;
    const std::uint32_t type = reader.read(entry + 2, 2);
    std::uint32_t value = 0;
    if (type == kTypeShort) {
      value = reader.read(entry + 8, 2);
    } else if (type == kTypeLong) {
      value = reader.read(entry + 8, 4);
    }
    return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
  }
  return 1;
}

}  // namespace animate::media
