#pragma once
// The building blocks of the Wan VAE (spec: wan_components.md 1.2), run on
// one chunk of frames with the feature cache. Tensors are [B, C, T, H, W];
// no block modifies its input in place (cached slots may share it).
#include <ATen/core/Tensor.h>

#include "model/wan/vae_feature_cache.h"
#include "model/wan/vae_weights.h"

namespace animate::wan {

// L2-normalises over channels (eps 1e-12 on the norm), times sqrt(C) * gamma.
// gamma is [C, 1, 1, 1] or [C, 1, 1].
at::Tensor vae_rms_norm(const at::Tensor& x, const at::Tensor& gamma);

// norm -> SiLU -> conv -> norm -> SiLU -> conv, plus the (1x1x1) shortcut.
// Uses two cache slots.
at::Tensor vae_residual_block(const at::Tensor& x, const VaeResidualBlockWeights& block,
                              VaeFeatureCache& cache);

// Single-head self-attention over the H*W positions of each frame, plus x.
at::Tensor vae_attention_block(const at::Tensor& x, const VaeAttentionWeights& attn);

// Spatial /2 or x2 per frame, and for the 3-D modes the cached temporal conv
// (one cache slot).
at::Tensor vae_resample(const at::Tensor& x, const VaeResampleWeights& resample,
                        VaeFeatureCache& cache);

// norm -> SiLU -> cached conv (one cache slot).
at::Tensor vae_head(const at::Tensor& x, const at::Tensor& gamma, const VaeConvWeights& conv,
                    VaeFeatureCache& cache);

}  // namespace animate::wan
