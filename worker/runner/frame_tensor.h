#pragma once
// media::Frame (packed RGB24) <-> the pipeline's uint8 tensors. Copies: the
// tensors own their memory, so frames may be released after conversion.
#include <ATen/core/Tensor.h>

#include <vector>

#include "media/frame.h"

namespace animate::worker {

// uint8 [H, W, 3].
at::Tensor frame_to_tensor(const media::Frame& frame);
// uint8 [N, H, W, 3] of the first min(limit, frames.size()) frames (limit 0 =
// all); every frame must have the size of the first (std::invalid_argument
// otherwise, and for an empty list).
at::Tensor frames_to_tensor(const std::vector<media::Frame>& frames, std::size_t limit = 0);

}  // namespace animate::worker
