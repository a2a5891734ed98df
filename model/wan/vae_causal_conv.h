#pragma once
// Causal 3-D convolutions of the Wan VAE and their cache rules
// (spec: wan_components.md 1.2 and 1.4). Tensors are [B, C, T, H, W].
#include <ATen/core/Tensor.h>

#include "model/wan/vae_feature_cache.h"
#include "model/wan/vae_weights.h"

namespace animate::wan {

// A causal conv without history: kt-1 zero frames in front, none behind,
// spatial zero padding kh/2, kw/2 (1x1x1 convs: no padding at all).
at::Tensor causal_conv3d(const at::Tensor& x, const VaeConvWeights& conv);

// A causal conv continuing from `slot`: the cached frames replace the front
// zero padding (zeros fill what the cache lacks). Afterwards the slot holds
// the last two input frames (a one-frame chunk keeps the previous last frame
// in front of it).
at::Tensor cached_causal_conv3d(const at::Tensor& x, const VaeConvWeights& conv,
                                VaeCacheSlot& slot);

// The temporal half of downsample3d (kernel 3, stride 2, no padding), run
// after the spatial downsample. First chunk: passes x through and remembers
// its last frame. Later chunks: conv over [cached frame, x] (1+T frames ->
// (T-2)/2+1), then remembers x's last frame.
at::Tensor cached_time_downsample(const at::Tensor& x, const VaeConvWeights& time_conv,
                                  VaeCacheSlot& slot);

// The temporal half of upsample3d (C -> 2C causal conv, kernel 3), run before
// the spatial upsample; its two channel halves become frames 2t and 2t+1.
// First chunk: skipped (T unchanged, the slot is marked). Second chunk: zero
// history (the first chunk never enters it). Later: the cached history.
at::Tensor cached_time_upsample(const at::Tensor& x, const VaeConvWeights& time_conv,
                                VaeCacheSlot& slot);

}  // namespace animate::wan
