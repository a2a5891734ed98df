#include "media/image_decoder.h"

#include <climits>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "media/byte_source.h"
#include "media/error.h"

namespace animate::media {
namespace {

std::string describe(std::string_view name) {
  return "image '" + std::string(name) + "'";
}

// EXIF orientation -> the pixel operations that undo it (same mapping as
// OpenCV's own EXIF handling for IMREAD_COLOR, verified by the tests).
void apply_orientation(cv::Mat& image, int orientation) {
  switch (orientation) {
    case 2: cv::flip(image, image, 1); break;
    case 3: cv::flip(image, image, -1); break;
    case 4: cv::flip(image, image, 0); break;
    case 5: cv::transpose(image, image); break;
    case 6:
      cv::transpose(image, image);
      cv::flip(image, image, 1);
      break;
    case 7:
      cv::transpose(image, image);
      cv::flip(image, image, -1);
      break;
    case 8:
      cv::transpose(image, image);
      cv::flip(image, image, 0);
      break;
    default: break;
  }
}

// BGRA (8-bit) over an opaque background, exact integer rounding.
cv::Mat flatten_alpha(const cv::Mat& bgra, RgbColor background) {
  cv::Mat bgr(bgra.rows, bgra.cols, CV_8UC3);
  const int back[3] = {background.b, background.g, background.r};
  for (int y = 0; y < bgra.rows; ++y) {
    const auto* in = bgra.ptr<std::uint8_t>(y);
    auto* out = bgr.ptr<std::uint8_t>(y);
    for (int x = 0; x < bgra.cols; ++x, in += 4, out += 3) {
      const int alpha = in[3];
      for (int c = 0; c < 3; ++c) {
        out[c] = static_cast<std::uint8_t>((in[c] * alpha + back[c] * (255 - alpha) + 127) / 255);
      }
    }
  }
  return bgr;
}

cv::Mat to_rgb(const cv::Mat& decoded, RgbColor background, const std::string& what) {
  cv::Mat image = decoded;
  if (image.depth() == CV_16U) {
    image.convertTo(image, CV_8U, 1.0 / 257.0);  // 65535 -> 255, rounded
  } else if (image.depth() != CV_8U) {
    throw MediaError(
        MediaErrorCode::kUnsupportedFormat,
        what + ": unsupported sample depth (OpenCV depth " + std::to_string(image.depth()) + ")");
  }
  cv::Mat rgb;
  switch (image.channels()) {
    case 1: cv::cvtColor(image, rgb, cv::COLOR_GRAY2RGB); break;
    case 2: {  // grey + alpha
      cv::Mat planes[2];
      cv::split(image, planes);
      cv::Mat bgra;
      cv::merge(std::vector<cv::Mat>{planes[0], planes[0], planes[0], planes[1]}, bgra);
      cv::cvtColor(flatten_alpha(bgra, background), rgb, cv::COLOR_BGR2RGB);
      break;
    }
    case 3: cv::cvtColor(image, rgb, cv::COLOR_BGR2RGB); break;
    case 4: cv::cvtColor(flatten_alpha(image, background), rgb, cv::COLOR_BGR2RGB); break;
    default:
      throw MediaError(MediaErrorCode::kUnsupportedFormat,
                       what + ": unsupported channel count " + std::to_string(image.channels()));
  }
  return rgb;
}

Frame to_frame(const cv::Mat& rgb) {
  Frame frame(rgb.cols, rgb.rows);
  const cv::Mat continuous = rgb.isContinuous() ? rgb : rgb.clone();
  std::copy(continuous.data, continuous.data + frame.rgb.size(), frame.rgb.begin());
  return frame;
}

ImageHeader checked_header(std::string_view bytes, const MediaLimits& limits,
                           const std::string& what) {
  validate_limits(limits);
  check_input_bytes(bytes.size(), limits, what);
  const ImageHeader header = read_image_header(bytes, what);
  check_frame_pixels(header.width, header.height, limits, what);
  return header;
}

}  // namespace

ImageHeader probe_image_memory(std::string_view bytes, const MediaLimits& limits,
                               std::string_view name) {
  return checked_header(bytes, limits, describe(name));
}

ImageHeader probe_image_file(const std::filesystem::path& path, const MediaLimits& limits) {
  const std::string bytes = detail::read_file_bytes(path, limits.max_input_bytes, "image");
  return probe_image_memory(bytes, limits, path.string());
}

Frame decode_image_memory(std::string_view bytes, const ImageDecodeOptions& options,
                          std::string_view name) {
  const std::string what = describe(name);
  const ImageHeader header = checked_header(bytes, options.limits, what);
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    throw MediaError(MediaErrorCode::kLimitExceeded, what + ": larger than 2 GiB");
  }
  cv::Mat decoded;
  try {
    // imdecode only reads its input; the Mat merely borrows our bytes.
    const cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8UC1,
                          const_cast<char*>(bytes.data()));
    decoded = cv::imdecode(encoded, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& error) {
    throw MediaError(MediaErrorCode::kInvalidData, what + ": corrupt " + to_string(header.format) +
                                                       " data (" + error.what() + ")");
  }
  if (decoded.empty()) {
    throw MediaError(MediaErrorCode::kInvalidData,
                     what + ": corrupt " + to_string(header.format) + " data (decoder failed)");
  }
  if (decoded.cols != header.width || decoded.rows != header.height) {
    throw MediaError(MediaErrorCode::kInvalidData,
                     what + ": decoded size " + std::to_string(decoded.cols) + "x" +
                         std::to_string(decoded.rows) + " differs from the header's " +
                         std::to_string(header.width) + "x" + std::to_string(header.height));
  }
  cv::Mat rgb = to_rgb(decoded, options.background, what);
  if (options.apply_exif_orientation) apply_orientation(rgb, header.exif_orientation);
  return to_frame(rgb);
}

Frame decode_image_file(const std::filesystem::path& path, const ImageDecodeOptions& options) {
  const std::string bytes = detail::read_file_bytes(path, options.limits.max_input_bytes, "image");
  return decode_image_memory(bytes, options, path.string());
}

}  // namespace animate::media
