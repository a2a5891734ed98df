#include "media/image_header.h"

#include <cstdint>

#include "media/error.h"
#include "media/exif_orientation.h"

namespace animate::media {
namespace {

std::uint32_t be(std::string_view bytes, std::size_t offset, int size) {
  std::uint32_t value = 0;
  for (int i = 0; i < size; ++i) {
    value = (value << 8) | static_cast<std::uint8_t>(bytes[offset + static_cast<std::size_t>(i)]);
  }
  return value;
}

std::uint32_t le(std::string_view bytes, std::size_t offset, int size) {
  std::uint32_t value = 0;
  for (int i = size - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<std::uint8_t>(bytes[offset + static_cast<std::size_t>(i)]);
  }
  return value;
}

bool fits(std::string_view bytes, std::size_t offset, std::size_t size) {
  return offset <= bytes.size() && size <= bytes.size() - offset;
}

[[noreturn]] void truncated(const std::string& what, const char* format,
                            const std::string& detail) {
  throw MediaError(MediaErrorCode::kInvalidData,
                   what + ": truncated " + format + " data (" + detail + ")");
}

[[noreturn]] void malformed(const std::string& what, const char* format,
                            const std::string& detail) {
  throw MediaError(MediaErrorCode::kInvalidData,
                   what + ": malformed " + format + " data (" + detail + ")");
}

bool is_jpeg_frame_header(std::uint8_t marker) {
  // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

ImageHeader read_jpeg(std::string_view bytes, const std::string& what) {
  ImageHeader header;
  header.format = ImageFormat::kJpeg;
  bool have_frame = false;
  bool have_exif = false;
  std::size_t pos = 2;
  while (true) {
    if (pos >= bytes.size()) truncated(what, "JPEG", "ends before the image data");
    if (static_cast<std::uint8_t>(bytes[pos]) != 0xFF) {
      malformed(what, "JPEG", "expected a marker at byte " + std::to_string(pos));
    }
    while (pos < bytes.size() && static_cast<std::uint8_t>(bytes[pos]) == 0xFF) ++pos;
    if (pos >= bytes.size()) truncated(what, "JPEG", "ends inside a marker");
    const auto marker = static_cast<std::uint8_t>(bytes[pos++]);
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;
    if (marker == 0xD9) malformed(what, "JPEG", "end-of-image marker before any image data");
    if (!fits(bytes, pos, 2)) truncated(what, "JPEG", "ends inside a segment header");
    const std::size_t length = be(bytes, pos, 2);
    if (length < 2) malformed(what, "JPEG", "segment length " + std::to_string(length));
    if (!fits(bytes, pos, length)) {
      truncated(
          what, "JPEG",
          "segment at byte " + std::to_string(pos) + " needs " + std::to_string(length) + " bytes");
    }
    const std::string_view segment = bytes.substr(pos + 2, length - 2);
    if (marker == 0xE1 && !have_exif && segment.substr(0, 6) == std::string_view("Exif\0\0", 6)) {
      have_exif = true;
      header.exif_orientation = exif_orientation_from_tiff(segment.substr(6));
    } else if (is_jpeg_frame_header(marker)) {
      if (segment.size() < 6) malformed(what, "JPEG", "short frame header");
      header.height = static_cast<int>(be(segment, 1, 2));
      header.width = static_cast<int>(be(segment, 3, 2));
      have_frame = true;
    } else if (marker == 0xDA) {
      if (!have_frame) malformed(what, "JPEG", "image data before the frame header");
      // Entropy-coded data never contains FF D9 (0xFF bytes are stuffed), so
      // the end-of-image marker proves the scan data is complete.
      if (bytes.find("\xFF\xD9", pos + length) == std::string_view::npos) {
        truncated(what, "JPEG", "no end-of-image marker");
      }
      return header;
    }
    pos += length;
  }
}

ImageHeader read_png(std::string_view bytes, const std::string& what) {
  ImageHeader header;
  header.format = ImageFormat::kPng;
  std::size_t pos = 8;
  bool first = true;
  while (true) {
    if (!fits(bytes, pos, 8)) truncated(what, "PNG", "no IEND chunk");
    const std::uint32_t length = be(bytes, pos, 4);
    const std::string_view type = bytes.substr(pos + 4, 4);
    if (length > 0x7FFFFFFFu) malformed(what, "PNG", "chunk length " + std::to_string(length));
    if (!fits(bytes, pos + 8, std::size_t{length} + 4)) {
      truncated(what, "PNG",
                "chunk '" + std::string(type) + "' at byte " + std::to_string(pos) + " needs " +
                    std::to_string(length + 12) + " bytes");
    }
    const std::string_view data = bytes.substr(pos + 8, length);
    if (first && (type != "IHDR" || length != 13)) {
      malformed(what, "PNG", "the first chunk is not a valid IHDR");
    }
    first = false;
    if (type == "IHDR") {
      header.width = static_cast<int>(std::min<std::uint32_t>(be(data, 0, 4), 0x7FFFFFFF));
      header.height = static_cast<int>(std::min<std::uint32_t>(be(data, 4, 4), 0x7FFFFFFF));
    } else if (type == "eXIf") {
      header.exif_orientation = exif_orientation_from_tiff(data);
    } else if (type == "IEND") {
      return header;
    }
    pos += 12 + std::size_t{length};
  }
}

ImageHeader read_webp(std::string_view bytes, const std::string& what) {
  ImageHeader header;
  header.format = ImageFormat::kWebp;
  const std::size_t riff_end = std::size_t{le(bytes, 4, 4)} + 8;
  if (riff_end > bytes.size()) {
    truncated(what, "WebP",
              "RIFF size " + std::to_string(riff_end) + " > " + std::to_string(bytes.size()) +
                  " bytes present");
  }
  std::size_t pos = 12;
  while (pos + 8 <= riff_end) {
    const std::string_view fourcc = bytes.substr(pos, 4);
    const std::size_t size = le(bytes, pos + 4, 4);
    if (size > riff_end - pos - 8) truncated(what, "WebP", "chunk '" + std::string(fourcc) + "'");
    const std::string_view data = bytes.substr(pos + 8, size);
    if (fourcc == "VP8 " && header.width == 0) {
      if (data.size() < 10 || data.substr(3, 3) != "\x9D\x01\x2A") {
        malformed(what, "WebP", "bad VP8 frame header");
      }
      header.width = static_cast<int>(le(data, 6, 2) & 0x3FFF);
      header.height = static_cast<int>(le(data, 8, 2) & 0x3FFF);
    } else if (fourcc == "VP8L" && header.width == 0) {
      if (data.size() < 5 || static_cast<std::uint8_t>(data[0]) != 0x2F) {
        malformed(what, "WebP", "bad VP8L header");
      }
      const std::uint32_t bits = le(data, 1, 4);
      header.width = static_cast<int>((bits & 0x3FFF) + 1);
      header.height = static_cast<int>(((bits >> 14) & 0x3FFF) + 1);
    } else if (fourcc == "VP8X") {
      if (data.size() < 10) malformed(what, "WebP", "short VP8X header");
      if (static_cast<std::uint8_t>(data[0]) & 0x02) {
        throw MediaError(MediaErrorCode::kUnsupportedFormat,
                         what + ": animated WebP is not supported");
      }
      header.width = static_cast<int>(le(data, 4, 3) + 1);
      header.height = static_cast<int>(le(data, 7, 3) + 1);
    } else if (fourcc == "EXIF") {
      const std::string_view exif_prefix("Exif\0\0", 6);
      header.exif_orientation =
          exif_orientation_from_tiff(data.substr(0, 6) == exif_prefix ? data.substr(6) : data);
    }
    pos += 8 + size + (size & 1);
  }
  if (header.width == 0) malformed(what, "WebP", "no image chunk");
  return header;
}

}  // namespace

const char* to_string(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg: return "jpeg";
    case ImageFormat::kPng: return "png";
    case ImageFormat::kWebp: return "webp";
  }
  return "unknown";
}

ImageHeader read_image_header(std::string_view bytes, const std::string& what) {
  if (bytes.empty()) throw MediaError(MediaErrorCode::kInvalidData, what + ": the input is empty");
  ImageHeader header;
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xFF\xD8\xFF") {
    header = read_jpeg(bytes, what);
  } else if (bytes.size() >= 8 && bytes.substr(0, 8) == "\x89PNG\r\n\x1A\n") {
    header = read_png(bytes, what);
  } else if (bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "WEBP") {
    header = read_webp(bytes, what);
  } else {
    throw MediaError(MediaErrorCode::kUnsupportedFormat, what + ": not a JPEG, PNG or WebP image");
  }
  if (header.width <= 0 || header.height <= 0) {
    malformed(what, to_string(header.format),
              "image size " + std::to_string(header.width) + "x" + std::to_string(header.height));
  }
  return header;
}

}  // namespace animate::media
