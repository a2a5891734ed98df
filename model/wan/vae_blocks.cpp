#include "model/wan/vae_blocks.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "model/wan/vae_causal_conv.h"

namespace animate::wan {

namespace {

// Query rows per attention block: bounds the score matrix to
// kQueryBlock x (H*W) elements (a 720p frame has 14,400 latent positions).
constexpr std::int64_t kQueryBlock = 4096;

// A 2-D conv weight [O, I, kh, kw] as the equivalent per-frame 3-D weight
// [O, I, 1, kh, kw], so frames need no reshuffling into the batch dimension.
at::Tensor per_frame_weight(const at::Tensor& weight2d) {
  return weight2d.unsqueeze(2);
}

at::Tensor silu_rms(const at::Tensor& x, const at::Tensor& gamma) {
  at::Tensor y = vae_rms_norm(x, gamma);
  return at::silu_(y);
}

// Nearest-neighbour x2 in H and W (identical to 'nearest-exact' for factor 2).
at::Tensor upsample_nearest_hw2(const at::Tensor& x) {
  const std::int64_t b = x.size(0), c = x.size(1), t = x.size(2), h = x.size(3), w = x.size(4);
  return x.view({b, c, t, h, 1, w, 1})
      .expand({b, c, t, h, 2, w, 2})
      .reshape({b, c, t, 2 * h, 2 * w});
}

}  // namespace

at::Tensor vae_rms_norm(const at::Tensor& x, const at::Tensor& gamma) {
  const std::int64_t channels = x.size(1);
  // sqrt(C) / max(||x||, eps) per position: one small tensor, then two passes over x.
  at::Tensor scale =
      at::linalg_vector_norm(x, 2, at::IntArrayRef{1}, /*keepdim=*/true, c10::nullopt)
          .clamp_min_(1e-12)
          .reciprocal_()
          .mul_(std::sqrt(static_cast<double>(channels)));
  const at::Tensor g = gamma.dim() == x.dim() - 1 ? gamma : gamma.view({channels, 1, 1, 1});
  return (x * scale).mul_(g);
}

at::Tensor vae_residual_block(const at::Tensor& x, const VaeResidualBlockWeights& block,
                              VaeFeatureCache& cache) {
  at::Tensor h =
      cached_causal_conv3d(silu_rms(x, block.norm1_gamma), block.conv1, cache.next_slot());
  h = cached_causal_conv3d(silu_rms(h, block.norm2_gamma), block.conv2, cache.next_slot());
  if (block.shortcut.defined()) return h.add_(causal_conv3d(x, block.shortcut));
  return h.add_(x);
}

at::Tensor vae_attention_block(const at::Tensor& x, const VaeAttentionWeights& attn) {
  const std::int64_t b = x.size(0), c = x.size(1), t = x.size(2), h = x.size(3), w = x.size(4);
  const std::int64_t positions = h * w;
  const at::Tensor qkv =
      at::conv3d(vae_rms_norm(x, attn.norm_gamma), per_frame_weight(attn.to_qkv.weight),
                 attn.to_qkv.bias)
          .contiguous();  // [B, 3C, T, H, W]
  at::Tensor mixed = at::empty_like(x, at::MemoryFormat::Contiguous);
  const double scale = 1.0 / std::sqrt(static_cast<double>(c));
  for (std::int64_t bi = 0; bi < b; ++bi) {
    for (std::int64_t ti = 0; ti < t; ++ti) {
      // [C, H*W] views of one frame; q, k, v are channel thirds.
      const at::Tensor frame = qkv.select(0, bi).select(1, ti);
      const at::Tensor q = frame.narrow(0, 0, c).reshape({c, positions});
      const at::Tensor k = frame.narrow(0, c, c).reshape({c, positions});
      const at::Tensor v = frame.narrow(0, 2 * c, c).reshape({c, positions});
      at::Tensor out = mixed.select(0, bi).select(1, ti).view({c, positions});
      for (std::int64_t q0 = 0; q0 < positions; q0 += kQueryBlock) {
        const std::int64_t rows = std::min(kQueryBlock, positions - q0);
        const at::Tensor scores = (q.narrow(1, q0, rows).t() * scale).matmul(k);  // [rows, HW]
        const at::Tensor probs = at::softmax(scores, -1);
        out.narrow(1, q0, rows).copy_(v.matmul(probs.t()));  // [C, rows]
      }
    }
  }
  return at::conv3d(mixed, per_frame_weight(attn.proj.weight), attn.proj.bias).add_(x);
}

at::Tensor vae_resample(const at::Tensor& x, const VaeResampleWeights& resample,
                        VaeFeatureCache& cache) {
  const at::Tensor spatial_weight = per_frame_weight(resample.spatial.weight);
  switch (resample.mode) {
    case VaeResampleMode::kDownsample2d:
    case VaeResampleMode::kDownsample3d: {
      // Zero pad right and bottom by one, then a 3x3 stride-2 conv.
      at::Tensor y = at::conv3d(at::constant_pad_nd(x, {0, 1, 0, 1}), spatial_weight,
                                resample.spatial.bias, {1, 2, 2});
      if (resample.mode == VaeResampleMode::kDownsample3d) {
        y = cached_time_downsample(y, resample.time_conv, cache.next_slot());
      }
      return y;
    }
    case VaeResampleMode::kUpsample2d:
    case VaeResampleMode::kUpsample3d: {
      at::Tensor y = x;
      if (resample.mode == VaeResampleMode::kUpsample3d) {
        y = cached_time_upsample(y, resample.time_conv, cache.next_slot());
      }
      return at::conv3d(upsample_nearest_hw2(y), spatial_weight, resample.spatial.bias, {1, 1, 1},
                        {0, 1, 1});
    }
  }
  return x;  // unreachable: every mode is handled above
}

at::Tensor vae_head(const at::Tensor& x, const at::Tensor& gamma, const VaeConvWeights& conv,
                    VaeFeatureCache& cache) {
  return cached_causal_conv3d(silu_rms(x, gamma), conv, cache.next_slot());
}

}  // namespace animate::wan
