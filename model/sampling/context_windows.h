#pragma once
// Sliding latent-frame windows of WanUniAnimateLongVideoPipeline: the
// AnimateDiff-style context_scheduler(step=0, context_stride=1,
// closed_loop=False) followed by the pipeline's replacement of the last window
// by the last context_size frames, so the final window always ends on the last
// frame.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace animate::sampling {

using FrameWindow = std::vector<std::int64_t>;
using FrameWindows = std::vector<FrameWindow>;

struct ContextWindowOptions {
  std::int64_t context_size = 21;    // latent frames per window
  std::int64_t context_overlap = 4;  // latent frames shared by consecutive raw windows
};

// context_scheduler's windows before the replacement: starts j = 0,
// cs - ov, 2 (cs - ov), ... while j < n - ov, each [j, ..., j + cs - 1] modulo n;
// a single window [0, ..., n - 1] when n <= cs. Throws std::invalid_argument
// for n < 1, cs < 1, ov < 0 or ov >= cs.
FrameWindows raw_context_windows(std::int64_t num_frames, const ContextWindowOptions& options);

// The windows the pipeline denoises: the raw windows with the last one replaced
// by the reference's [e % n for e in range(n - cs*s, n, s)], with the step
// s = min(1, ceil(log2(n / cs)) + 1):
//  - n > cs/2: s = 1, the last cs frames (for n < cs they wrap around and
//    repeat frames, as in the reference);
//  - cs/4 < n <= cs/2: s = 0, where the reference raises (range() step 0);
//    throws std::invalid_argument naming num_frames and context_size;
//  - n <= cs/4: s < 0, the reference's descending, wrapping window is reproduced.
FrameWindows context_windows(std::int64_t num_frames, const ContextWindowOptions& options);

// Windows as an int64 tensor [W, L] (all windows must have the same length L).
at::Tensor windows_to_tensor(const FrameWindows& windows);

}  // namespace animate::sampling
