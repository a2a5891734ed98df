#pragma once
// Recognising an image and reading its size without decoding it, so limits
// are enforced before any pixel memory is allocated (decompression bombs) and
// damaged files get a precise error. Only JPEG, PNG and WebP are accepted:
// OpenCV understands more formats, but every extra decoder is attack surface
// for uploads.
#include <string>
#include <string_view>

namespace animate::media {

enum class ImageFormat { kJpeg, kPng, kWebp };

const char* to_string(ImageFormat format);  // "jpeg", "png", "webp"

struct ImageHeader {
  ImageFormat format = ImageFormat::kPng;
  int width = 0;  // as stored, before EXIF orientation
  int height = 0;
  int exif_orientation = 1;  // 1..8, see exif_orientation.h

  // Size once the orientation is applied (5..8 swap the sides).
  int display_width() const { return exif_orientation >= 5 ? height : width; }
  int display_height() const { return exif_orientation >= 5 ? width : height; }
};

// Validates the container structure: JPEG up to its end-of-image marker, PNG
// up to IEND, WebP up to the RIFF size. Throws MediaError with `what` in the
// message: kUnsupportedFormat (not JPEG/PNG/WebP, animated WebP),
// kInvalidData (malformed or truncated, zero size).
ImageHeader read_image_header(std::string_view bytes, const std::string& what);

}  // namespace animate::media
