#include "media/resize.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>

namespace animate::media {

FrameSize resolve_output_size(int source_width, int source_height, int requested_width,
                              int requested_height, const char* field) {
  if (requested_width < 0 || requested_height < 0) {
    throw std::invalid_argument(
        std::string(field) + ".width/height must be >= 0 (0 = source), got " +
        std::to_string(requested_width) + "x" + std::to_string(requested_height));
  }
  if (requested_width == 0 && requested_height == 0) return {source_width, source_height};
  if (requested_width > 0 && requested_height > 0) return {requested_width, requested_height};
  if (requested_width > 0) {
    const long height = std::lround(static_cast<double>(source_height) * requested_width /
                                    std::max(1, source_width));
    return {requested_width, static_cast<int>(std::max(1L, height))};
  }
  const long width = std::lround(static_cast<double>(source_width) * requested_height /
                                 std::max(1, source_height));
  return {static_cast<int>(std::max(1L, width)), requested_height};
}

Frame resize_frame(const Frame& frame, FrameSize size, ScaleFilter filter) {
  if (frame.width == size.width && frame.height == size.height) return frame;
  int interpolation = cv::INTER_LINEAR;
  if (filter == ScaleFilter::kBicubic) interpolation = cv::INTER_CUBIC;
  if (filter == ScaleFilter::kArea) interpolation = cv::INTER_AREA;
  // cv::Mat only borrows the pixels; resize never writes to its source.
  const cv::Mat source(frame.height, frame.width, CV_8UC3,
                       const_cast<std::uint8_t*>(frame.rgb.data()));
  Frame out(size.width, size.height);
  cv::Mat target(out.height, out.width, CV_8UC3, out.rgb.data());
  cv::resize(source, target, target.size(), 0, 0, interpolation);
  return out;
}

}  // namespace animate::media
