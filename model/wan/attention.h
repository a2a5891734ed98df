#pragma once
// Multi-head softmax attention without masks, the one attention the DiT needs
// (self-attention over all video tokens, cross-attention to text and image
// tokens).
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace animate::wan {

// Default number of attention scores that exist at once (a tile of query rows
// x keys x heads; see attention_into). Tuned with bench_dit --attn-chunk on
// 2 cores: 8190 tokens bf16 8.63 s (2^22), 8.27 s (2^24), 8.80 s (2^26); the
// 1950-token config is within noise for f32 and 8% faster in bf16 at 2^24.
constexpr std::int64_t kDefaultAttentionScores = std::int64_t{1} << 24;

// softmax(q k^T / sqrt(d)) v for q [B, Lq, heads, d], k and v [B, Lk, heads, d].
// Returns [B, Lq, heads * d] in q's dtype. Uses LibTorch's fused
// scaled_dot_product_attention when available (LibTorch >= 2), otherwise
// chunked_attention with the default score budget.
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);

// Same result computed in query chunks so that at most `max_score_elements`
// attention scores exist at once (the full Lq x Lk matrix is never built).
at::Tensor chunked_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                             std::int64_t max_score_elements = kDefaultAttentionScores);

struct AttentionOptions {
  // Multiplies q k^T; negative means 1 / sqrt(d). Pass 1 when q is pre-scaled.
  double scale = -1.0;
  // Scores that exist at once (see kDefaultAttentionScores); <= 0 means the default.
  std::int64_t max_score_elements = 0;
  // Add the result to `out` instead of overwriting it (sums of attentions).
  bool accumulate = false;
};

// The chunked attention written into `out` [B, Lq, heads, d] (q's dtype; any
// strides with a unit last-dim stride, e.g. a view of [B, Lq, heads * d]).
// Tiles of query rows x heads: scores = scale * q k^T (one GEMM per head into
// a reused tile), one softmax in place, out = scores v (one GEMM per head
// straight into `out`). The GEMMs
// run in the inputs' dtype: float32 through the BLAS, bfloat16 through oneDNN
// (bf16 scores, float32 accumulation and softmax arithmetic); float16 runs in
// float32.
void attention_into(at::Tensor& out, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                    const AttentionOptions& options = {});

// True when attention() dispatches to the fused LibTorch kernel.
bool fused_attention_available();

}  // namespace animate::wan
