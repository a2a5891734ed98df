#pragma once
// Decoder3d of the Wan VAE run one latent frame at a time with its feature
// cache, so pixel frames come out in order while the decode runs.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>

#include "model/wan/vae_feature_cache.h"
#include "model/wan/vae_weights.h"

namespace animate::wan {

class VaeDecoderStream {
 public:
  explicit VaeDecoderStream(std::shared_ptr<const VaeWeights> weights);

  // One latent frame [1, z_dim, 1, h, w], already de-normalised and passed
  // through the top-level conv2, in the weights' dtype/device -> pixel frames
  // [1, 3, n, 8h, 8w], unclamped: n = 1 for the first latent frame, then
  // temporal_factor (4).
  at::Tensor step(const at::Tensor& latent_frame);

  std::int64_t steps_done() const { return steps_done_; }
  std::size_t cache_bytes() const { return cache_.bytes(); }

 private:
  std::shared_ptr<const VaeWeights> weights_;
  VaeFeatureCache cache_;
  std::int64_t steps_done_ = 0;
};

}  // namespace animate::wan
