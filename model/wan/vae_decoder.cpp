#include "model/wan/vae_decoder.h"

#include <utility>

#include "model/wan/vae_blocks.h"
#include "model/wan/vae_causal_conv.h"

namespace animate::wan {

VaeDecoderStream::VaeDecoderStream(std::shared_ptr<const VaeWeights> weights)
    : weights_(std::move(weights)) {}

at::Tensor VaeDecoderStream::step(const at::Tensor& latent_frame) {
  const VaeCoderWeights& dec = weights_->decoder;
  cache_.begin_chunk();
  at::Tensor x = cached_causal_conv3d(latent_frame, dec.conv1, cache_.next_slot());
  x = vae_residual_block(x, dec.middle_res1, cache_);
  x = vae_attention_block(x, dec.middle_attn);
  x = vae_residual_block(x, dec.middle_res2, cache_);
  for (const auto& stage : dec.stages) {
    for (const auto& block : stage.blocks) x = vae_residual_block(x, block, cache_);
    if (stage.resample) x = vae_resample(x, *stage.resample, cache_);
  }
  x = vae_head(x, dec.head_gamma, dec.head_conv, cache_);
  ++steps_done_;
  return x;
}

}  // namespace animate::wan
