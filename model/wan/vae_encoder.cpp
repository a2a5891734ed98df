#include "model/wan/vae_encoder.h"

#include <utility>

#include "model/wan/vae_blocks.h"
#include "model/wan/vae_causal_conv.h"

namespace animate::wan {

VaeEncoderStream::VaeEncoderStream(std::shared_ptr<const VaeWeights> weights)
    : weights_(std::move(weights)) {}

at::Tensor VaeEncoderStream::step(const at::Tensor& frames) {
  const VaeCoderWeights& enc = weights_->encoder;
  cache_.begin_chunk();
  at::Tensor x = cached_causal_conv3d(frames, enc.conv1, cache_.next_slot());
  for (const auto& stage : enc.stages) {
    for (const auto& block : stage.blocks) x = vae_residual_block(x, block, cache_);
    if (stage.resample) x = vae_resample(x, *stage.resample, cache_);
  }
  x = vae_residual_block(x, enc.middle_res1, cache_);
  x = vae_attention_block(x, enc.middle_attn);
  x = vae_residual_block(x, enc.middle_res2, cache_);
  x = vae_head(x, enc.head_gamma, enc.head_conv, cache_);
  ++chunks_done_;
  return x;
}

}  // namespace animate::wan
