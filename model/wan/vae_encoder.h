#pragma once
// Encoder3d of the Wan VAE run chunk by chunk with its feature cache.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>

#include "model/wan/vae_feature_cache.h"
#include "model/wan/vae_weights.h"

namespace animate::wan {

// One video's pass through the encoder. Feed chunks in order: frame 0 alone,
// then groups of temporal_factor (4) frames; each yields one latent frame.
class VaeEncoderStream {
 public:
  explicit VaeEncoderStream(std::shared_ptr<const VaeWeights> weights);

  // frames [1, 3, n, H, W] in the weights' dtype/device (n = 1 for the first
  // chunk, temporal_factor after) -> encoder output [1, 2*z_dim, 1, H/8, W/8]
  // (mu and log_var before the top-level conv1).
  at::Tensor step(const at::Tensor& frames);

  std::int64_t chunks_done() const { return chunks_done_; }
  std::size_t cache_bytes() const { return cache_.bytes(); }

 private:
  std::shared_ptr<const VaeWeights> weights_;
  VaeFeatureCache cache_;
  std::int64_t chunks_done_ = 0;
};

}  // namespace animate::wan
