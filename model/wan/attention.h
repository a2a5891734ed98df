#pragma once
// Multi-head softmax attention without masks, the one attention the DiT needs
// (self-attention over all video tokens, cross-attention to text and image
// tokens).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace animate::wan {

// Default number of attention scores that exist at once (the score tiles of
// all threads together; see attention_into). Tuned with bench_dit --attn-chunk on
// 2 cores: 8190 tokens bf16 8.63 s (2^22), 8.27 s (2^24), 8.80 s (2^26); the
// 1950-token config is within noise for f32 and 8% faster in bf16 at 2^24.
constexpr std::int64_t kDefaultAttentionScores = std::int64_t{1} << 24;

// softmax(q k^T / sqrt(d)) v for q [B, Lq, heads, d], k and v [B, Lk, heads, d].
// Returns [B, Lq, heads * d] in q's dtype (attention_into with the defaults).
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);

// The tiled kernel with a score budget, even where the fused one would run:
// at most `max_score_elements` attention scores exist at once (the full
// Lq x Lk matrix is never built).
at::Tensor chunked_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                             std::int64_t max_score_elements = kDefaultAttentionScores);

// Which implementation attention_into runs.
enum class AttentionKernel {
  kAuto,   // LibTorch's fused kernel off the CPU; on the CPU by dtype (resolve_attention_kernel)
  kTiled,  // this file's tiled kernel (bounded score memory, any device)
  kFused,  // LibTorch's scaled_dot_product_attention (flash / memory-efficient / cuDNN / math)
};

// "auto", "tiled", "fused"; throws std::invalid_argument for anything else.
AttentionKernel parse_attention_kernel(const std::string& name);
const char* attention_kernel_name(AttentionKernel kernel);

struct AttentionOptions {
  // Multiplies q k^T; negative means 1 / sqrt(d). Pass 1 when q is pre-scaled.
  double scale = -1.0;
  // Scores that exist at once (see kDefaultAttentionScores); <= 0 means the default.
  std::int64_t max_score_elements = 0;
  // Add the result to `out` instead of overwriting it (sums of attentions).
  bool accumulate = false;
  AttentionKernel kernel = AttentionKernel::kAuto;
};

// The attention written into `out` [B, Lq, heads, d] (q's dtype; any strides
// with a unit last-dim stride, e.g. a view of [B, Lq, heads * d]).
//
// kFused (kAuto off the CPU): LibTorch's fused scaled_dot_product_attention
// (flash / memory-efficient / cuDNN kernels on GPUs, a flash kernel on the CPU).
// kTiled (kAuto on the CPU except for bfloat16): tiles of query rows of
// one head: scores = scale * q k^T (one GEMM into a reused tile), softmax in
// place, out = scores v (one GEMM straight into `out`). On the CPU the tiles
// are shared out among LibTorch's threads, each with its own score tile and a
// single-threaded BLAS (cpu/parallel_gemm.h). The GEMMs run in the inputs'
// dtype: float32 through the BLAS, bfloat16 through oneDNN (bf16 scores,
// float32 accumulation and softmax arithmetic); float16 runs in float32.
void attention_into(at::Tensor& out, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                    const AttentionOptions& options = {});

// The kernel attention_into runs for `requested` on tensors of `dtype` on
// `device`: kAuto is kFused off the CPU; on the CPU kFused for bfloat16 and
// kTiled otherwise (measured with bench_dit --attn-kernel, see attention.cpp).
AttentionKernel resolve_attention_kernel(AttentionKernel requested, const at::Device& device,
                                         at::ScalarType dtype);

}  // namespace animate::wan
