#pragma once
// Decoding the reference image (and pose images) with OpenCV into RGB24:
// JPEG, PNG or WebP; EXIF orientation applied explicitly (we decode with
// IMREAD_UNCHANGED to keep alpha and 16-bit samples, and OpenCV only applies
// EXIF for the other modes); alpha composited onto a background colour;
// 16-bit samples reduced to 8-bit (rounded v/257); grey expanded to RGB.
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "media/frame.h"
#include "media/image_header.h"
#include "media/limits.h"

namespace animate::media {

struct RgbColor {
  std::uint8_t r = 255;
  std::uint8_t g = 255;
  std::uint8_t b = 255;
};

struct ImageDecodeOptions {
  // Transparent pixels become this colour: white for reference photos (what
  // viewers show); pose sequences use black, their drawing background.
  RgbColor background{255, 255, 255};
  bool apply_exif_orientation = true;
  // Uses max_input_bytes and max_pixels.
  MediaLimits limits;
};

// Header-only check for upload validation: format, stored size, orientation,
// limits (max_input_bytes, max_pixels). Throws like decode_image_*.
ImageHeader probe_image_memory(std::string_view bytes, const MediaLimits& limits = {},
                               std::string_view name = "<memory>");
ImageHeader probe_image_file(const std::filesystem::path& path, const MediaLimits& limits = {});

// Throw MediaError: kUnsupportedFormat (not JPEG/PNG/WebP), kInvalidData
// (corrupt, truncated, empty), kLimitExceeded (max_input_bytes, max_pixels,
// checked before decoding), kIoError. `name` appears in messages.
Frame decode_image_memory(std::string_view bytes, const ImageDecodeOptions& options = {},
                          std::string_view name = "<memory>");
Frame decode_image_file(const std::filesystem::path& path, const ImageDecodeOptions& options = {});

}  // namespace animate::media
