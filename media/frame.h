#pragma once
// The pixel type exchanged with the rest of the service: tightly packed RGB24
// rows, top row first. Deliberately a plain struct (no LibTorch, no OpenCV) so
// media/ stays independent of the model; the pipeline converts.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace animate::media {

struct Frame {
  int width = 0;
  int height = 0;
  // width * height * 3 bytes, R G B per pixel, no row padding.
  std::vector<std::uint8_t> rgb;

  Frame() = default;
  // A black frame; throws std::invalid_argument for negative sizes.
  Frame(int width, int height);

  bool empty() const { return width == 0 || height == 0; }
  std::size_t row_bytes() const { return static_cast<std::size_t>(width) * 3; }
  std::uint8_t* pixel(int x, int y) { return rgb.data() + offset(x, y); }
  const std::uint8_t* pixel(int x, int y) const { return rgb.data() + offset(x, y); }

 private:
  std::size_t offset(int x, int y) const {
    return static_cast<std::size_t>(y) * row_bytes() + static_cast<std::size_t>(x) * 3;
  }
};

using FrameSequence = std::vector<Frame>;

// A borrowed RGB24 image with an arbitrary row stride, so callers holding
// pixels elsewhere (e.g. a CPU tensor) can encode without building a Frame.
struct FrameView {
  const std::uint8_t* data = nullptr;
  int width = 0;
  int height = 0;
  std::size_t stride = 0;  // bytes from one row to the next, >= width * 3
};

FrameView view_of(const Frame& frame);

// Rotates by a multiple of 90 degrees counterclockwise (the sense of
// FFmpeg's display matrix and ffprobe's "rotation"). Throws
// std::invalid_argument for other angles.
Frame rotate_counterclockwise(const Frame& frame, int degrees);

}  // namespace animate::media
