#pragma once
// Multi-head softmax attention without masks, the one attention the DiT needs
// (self-attention over all video tokens, cross-attention to text and image
// tokens).
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace animate::wan {

// softmax(q k^T / sqrt(d)) v for q [B, Lq, heads, d], k and v [B, Lk, heads, d].
// Returns [B, Lq, heads * d] in q's dtype. Uses LibTorch's fused
// scaled_dot_product_attention when available (LibTorch >= 2), otherwise
// chunked_attention with the default score budget.
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);

// Same result computed in query chunks so that at most `max_score_elements`
// attention scores exist at once (the full Lq x Lk matrix is never built).
// Scores and softmax run in float32 when the inputs are float16/bfloat16.
at::Tensor chunked_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                             std::int64_t max_score_elements = std::int64_t{1} << 26);

// True when attention() dispatches to the fused LibTorch kernel.
bool fused_attention_available();

}  // namespace animate::wan
