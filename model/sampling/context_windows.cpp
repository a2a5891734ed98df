#include "model/sampling/context_windows.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace animate::sampling {
namespace {

void validate(std::int64_t num_frames, const ContextWindowOptions& options) {
  const auto fail = [](const std::string& what) {
    throw std::invalid_argument("context windows: " + what);
  };
  if (num_frames < 1) fail("num_frames must be >= 1, got " + std::to_string(num_frames));
  if (options.context_size < 1) {
    fail("context_size must be >= 1, got " + std::to_string(options.context_size));
  }
  if (options.context_overlap < 0 || options.context_overlap >= options.context_size) {
    fail("context_overlap must be in [0, context_size - 1] = [0, " +
         std::to_string(options.context_size - 1) + "], got " +
         std::to_string(options.context_overlap));
  }
}

// Python's e % n for n > 0 (never negative).
std::int64_t wrap(std::int64_t e, std::int64_t n) {
  return ((e % n) + n) % n;
}

// The pipeline's min(1, int(ceil(log2(n / cs))) + 1), in exact integer
// arithmetic: ceil(log2(n / cs)) is the smallest k with n <= cs * 2^k.
std::int64_t replacement_step(std::int64_t n, std::int64_t cs) {
  if (n > cs) return 1;  // k >= 1
  // k = -j for the largest j >= 0 with n * 2^j <= cs.
  std::int64_t j = 0;
  while (n <= (cs >> (j + 1))) ++j;  // n * 2^(j+1) <= cs, without overflow
  return std::min<std::int64_t>(1, -j + 1);
}

}  // namespace

FrameWindows raw_context_windows(std::int64_t num_frames, const ContextWindowOptions& options) {
  validate(num_frames, options);
  const std::int64_t n = num_frames;
  const std::int64_t cs = options.context_size;
  const std::int64_t ov = options.context_overlap;
  FrameWindows windows;
  if (n <= cs) {
    FrameWindow all(static_cast<std::size_t>(n));
    for (std::int64_t e = 0; e < n; ++e) all[static_cast<std::size_t>(e)] = e;
    windows.push_back(std::move(all));
    return windows;
  }
  // step 0 of the scheduler has no offset (ordered_halving(0) = 0), stride 1 and
  // closed_loop=False, so windows start every cs - ov frames before n - ov.
  for (std::int64_t j = 0; j < n - ov; j += cs - ov) {
    FrameWindow window(static_cast<std::size_t>(cs));
    for (std::int64_t e = 0; e < cs; ++e) window[static_cast<std::size_t>(e)] = wrap(j + e, n);
    windows.push_back(std::move(window));
  }
  return windows;
}

FrameWindows context_windows(std::int64_t num_frames, const ContextWindowOptions& options) {
  FrameWindows windows = raw_context_windows(num_frames, options);
  const std::int64_t n = num_frames;
  const std::int64_t cs = options.context_size;
  const std::int64_t step = replacement_step(n, cs);
  if (step == 0) {
    throw std::invalid_argument(
        "context windows: num_frames " + std::to_string(n) + " is at most half of context_size " +
        std::to_string(cs) +
        "; the reference pipeline fails here (range() step 0 while replacing the last window). "
        "Use num_frames > context_size / 2, or better num_frames >= context_size");
  }
  // range(n - cs*step, n, step): cs values for step 1 (ascending) and for a
  // negative step (descending from n + cs*|step|, the reference's quirk).
  FrameWindow last(static_cast<std::size_t>(cs));
  const std::int64_t start = n - cs * step;
  for (std::int64_t m = 0; m < cs; ++m) {
    last[static_cast<std::size_t>(m)] = wrap(start + m * step, n);
  }
  windows.back() = std::move(last);
  return windows;
}

at::Tensor windows_to_tensor(const FrameWindows& windows) {
  if (windows.empty()) return at::empty({0, 0}, at::kLong);
  const auto length = static_cast<std::int64_t>(windows.front().size());
  at::Tensor out = at::empty({static_cast<std::int64_t>(windows.size()), length}, at::kLong);
  auto* data = out.data_ptr<std::int64_t>();
  for (const FrameWindow& window : windows) {
    if (static_cast<std::int64_t>(window.size()) != length) {
      throw std::invalid_argument("windows_to_tensor: windows of different lengths (" +
                                  std::to_string(window.size()) + " vs " + std::to_string(length) +
                                  ")");
    }
    data = std::copy(window.begin(), window.end(), data);
  }
  return out;
}

}  // namespace animate::sampling
