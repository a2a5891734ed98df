#include "worker/runner/frame_tensor.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace animate::worker {

at::Tensor frame_to_tensor(const media::Frame& frame) {
  if (frame.empty()) throw std::invalid_argument("frame_to_tensor: empty frame");
  at::Tensor tensor = at::empty({frame.height, frame.width, 3}, at::kByte);
  std::memcpy(tensor.data_ptr<std::uint8_t>(), frame.rgb.data(), frame.rgb.size());
  return tensor;
}

at::Tensor frames_to_tensor(const std::vector<media::Frame>& frames, std::size_t limit) {
  if (frames.empty()) throw std::invalid_argument("frames_to_tensor: no frames");
  const std::size_t count = limit == 0 ? frames.size() : std::min(limit, frames.size());
  const media::Frame& first = frames.front();
  at::Tensor tensor =
      at::empty({static_cast<std::int64_t>(count), first.height, first.width, 3}, at::kByte);
  const std::size_t frame_bytes = first.rgb.size();
  std::uint8_t* out = tensor.data_ptr<std::uint8_t>();
  for (std::size_t i = 0; i < count; ++i) {
    const media::Frame& frame = frames[i];
    if (frame.width != first.width || frame.height != first.height) {
      throw std::invalid_argument("pose frame " + std::to_string(i) + " is " +
                                  std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                                  ", frame 0 is " + std::to_string(first.width) + "x" +
                                  std::to_string(first.height));
    }
    std::memcpy(out + i * frame_bytes, frame.rgb.data(), frame_bytes);
  }
  return tensor;
}

}  // namespace animate::worker
