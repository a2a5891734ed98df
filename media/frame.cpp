#include "media/frame.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace animate::media {

Frame::Frame(int w, int h) : width(w), height(h) {
  if (w < 0 || h < 0) {
    throw std::invalid_argument("Frame size must be non-negative, got " + std::to_string(w) + "x" +
                                std::to_string(h));
  }
  rgb.assign(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3, 0);
}

FrameView view_of(const Frame& frame) {
  return FrameView{frame.rgb.data(), frame.width, frame.height, frame.row_bytes()};
}

Frame rotate_counterclockwise(const Frame& frame, int degrees) {
  const int normalized = ((degrees % 360) + 360) % 360;
  if (normalized % 90 != 0) {
    throw std::invalid_argument("rotate_counterclockwise: degrees must be a multiple of 90, got " +
                                std::to_string(degrees));
  }
  if (normalized == 0) return frame;
  const bool quarter_turn = normalized == 90 || normalized == 270;
  Frame out(quarter_turn ? frame.height : frame.width, quarter_turn ? frame.width : frame.height);
  // For every source pixel, where it lands after the turn (x right, y down).
  for (int y = 0; y < frame.height; ++y) {
    for (int x = 0; x < frame.width; ++x) {
      int dx = x;
      int dy = y;
      switch (normalized) {
        case 90:  // counterclockwise: the top row becomes the left column, bottom-up
          dx = y;
          dy = frame.width - 1 - x;
          break;
        case 180:
          dx = frame.width - 1 - x;
          dy = frame.height - 1 - y;
          break;
        case 270:  // clockwise quarter turn
          dx = frame.height - 1 - y;
          dy = x;
          break;
        default: break;
      }
      std::memcpy(out.pixel(dx, dy), frame.pixel(x, y), 3);
    }
  }
  return out;
}

}  // namespace animate::media
