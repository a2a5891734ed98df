#include "model/wan/vae_causal_conv.h"

#include <ATen/ATen.h>

#include <vector>

namespace animate::wan {

namespace {

// Frames of history every temporal kernel-3 conv keeps (CACHE_T).
constexpr std::int64_t kCacheFrames = 2;

// `t` as a tensor owning exactly its own elements: a cached slice must not
// keep the whole chunk it was cut from alive. (Sharing is safe: the VAE blocks
// never modify a conv input in place.)
at::Tensor compact(const at::Tensor& t) {
  const bool owns_exactly =
      t.is_contiguous() && t.storage_offset() == 0 &&
      t.storage().nbytes() == static_cast<std::size_t>(t.numel()) * t.element_size();
  return owns_exactly ? t : t.clone(at::MemoryFormat::Contiguous);
}

at::Tensor last_frames(const at::Tensor& x, std::int64_t count) {
  return x.narrow(2, x.size(2) - count, count);
}

// The history to keep after `x` entered a conv whose previous history was `previous`.
at::Tensor next_history(const at::Tensor& x, const at::Tensor& previous) {
  if (x.size(2) >= kCacheFrames) return compact(last_frames(x, kCacheFrames));
  if (previous.defined()) return at::cat({last_frames(previous, 1), x}, 2);
  return compact(x);
}

// Runs `conv` on x with `history` (may be undefined) and zero frames in front
// so that the conv sees kt-1 frames before x's first frame.
at::Tensor conv_with_history(const at::Tensor& x, const VaeConvWeights& conv,
                             const at::Tensor& history) {
  const std::int64_t kt = conv.weight.size(2);
  const std::int64_t front = kt - 1;
  std::int64_t have = history.defined() ? history.size(2) : 0;
  at::Tensor kept = history;
  if (have > front) {
    kept = last_frames(history, front);
    have = front;
  }
  std::vector<at::Tensor> parts;
  if (front - have > 0) {
    parts.push_back(
        at::zeros({x.size(0), x.size(1), front - have, x.size(3), x.size(4)}, x.options()));
  }
  if (have > 0) parts.push_back(kept);
  at::Tensor input = x;
  if (!parts.empty()) {
    parts.push_back(x);
    input = at::cat(parts, 2);
  }
  return at::conv3d(input, conv.weight, conv.bias, {1, 1, 1},
                    {0, conv.weight.size(3) / 2, conv.weight.size(4) / 2});
}

}  // namespace

at::Tensor causal_conv3d(const at::Tensor& x, const VaeConvWeights& conv) {
  return conv_with_history(x, conv, at::Tensor());
}

at::Tensor cached_causal_conv3d(const at::Tensor& x, const VaeConvWeights& conv,
                                VaeCacheSlot& slot) {
  at::Tensor history = next_history(x, slot.frames);
  at::Tensor out = conv_with_history(x, conv, slot.frames);
  slot.frames = std::move(history);
  return out;
}

at::Tensor cached_time_downsample(const at::Tensor& x, const VaeConvWeights& time_conv,
                                  VaeCacheSlot& slot) {
  if (!slot.frames.defined()) {
    // The first chunk (frame 0 alone) is not downsampled in time.
    slot.frames = compact(last_frames(x, 1));
    return x;
  }
  const at::Tensor input = at::cat({last_frames(slot.frames, 1), x}, 2);
  at::Tensor out = at::conv3d(input, time_conv.weight, time_conv.bias, {2, 1, 1}, {0, 0, 0});
  slot.frames = compact(last_frames(x, 1));
  return out;
}

at::Tensor cached_time_upsample(const at::Tensor& x, const VaeConvWeights& time_conv,
                                VaeCacheSlot& slot) {
  if (!slot.frames.defined() && !slot.skipped_first_chunk) {
    // The first latent frame is not upsampled in time, and never becomes
    // history: the next chunk starts from zeros.
    slot.skipped_first_chunk = true;
    return x;
  }
  at::Tensor history;
  if (slot.frames.defined()) {
    history = next_history(x, slot.frames);
  } else if (x.size(2) >= kCacheFrames) {
    history = compact(last_frames(x, kCacheFrames));
  } else {
    history = at::cat({at::zeros_like(x), x}, 2);
  }
  const at::Tensor doubled = conv_with_history(x, time_conv, slot.frames);  // [B, 2C, T, H, W]
  slot.frames = std::move(history);

  const std::int64_t b = doubled.size(0), c = doubled.size(1) / 2, t = doubled.size(2);
  const std::int64_t h = doubled.size(3), w = doubled.size(4);
  // Channel half k of time step i becomes frame 2i + k.
  return doubled.view({b, 2, c, t, h, w}).permute({0, 2, 3, 1, 4, 5}).reshape({b, c, 2 * t, h, w});
}

}  // namespace animate::wan
