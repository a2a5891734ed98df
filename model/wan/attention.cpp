#include "model/wan/attention.h"

#include <ATen/ATen.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace animate::wan {

namespace {

void check_shapes(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  const bool ok = q.dim() == 4 && k.dim() == 4 && v.dim() == 4 && k.sizes() == v.sizes() &&
                  q.size(0) == k.size(0) && q.size(2) == k.size(2) && q.size(3) == k.size(3);
  if (!ok) {
    throw std::invalid_argument(
        "attention: expected q [B, Lq, H, d] and k, v [B, Lk, H, d], got q " + c10::str(q.sizes()) +
        ", k " + c10::str(k.sizes()) + ", v " + c10::str(v.sizes()));
  }
}

}  // namespace

bool fused_attention_available() {
#if TORCH_VERSION_MAJOR >= 2
  return true;
#else
  return false;
#endif
}

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  check_shapes(q, k, v);
#if TORCH_VERSION_MAJOR >= 2
  const std::int64_t b = q.size(0), lq = q.size(1), heads = q.size(2), d = q.size(3);
  // [B, L, H, d] -> [B, H, L, d] is a view; the kernels accept these strides.
  const at::Tensor out =
      at::scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2));
  return out.transpose(1, 2).reshape({b, lq, heads * d});
#else
  return chunked_attention(q, k, v);
#endif
}

at::Tensor chunked_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                             std::int64_t max_score_elements) {
  check_shapes(q, k, v);
  at::Tensor out = at::empty(q.sizes(), q.options());
  AttentionOptions options;
  options.max_score_elements = max_score_elements;
  attention_into(out, q, k, v, options);
  return out.view({q.size(0), q.size(1), q.size(2) * q.size(3)});
}

void attention_into(at::Tensor& out, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                    const AttentionOptions& options) {
  check_shapes(q, k, v);
  if (out.sizes() != q.sizes() || out.scalar_type() != q.scalar_type() || out.stride(3) != 1) {
    throw std::invalid_argument(
        "attention: out " + c10::str(out.sizes()) + " " +
        std::string(c10::toString(out.scalar_type())) + " must match q " + c10::str(q.sizes()) +
        " " + std::string(c10::toString(q.scalar_type())) + " with a unit last-dim stride");
  }
  // No fast float16 GEMM on the CPU: compute in float32, write back at the end.
  if (q.scalar_type() == at::kHalf) {
    at::Tensor out32 = options.accumulate ? out.to(at::kFloat)
                                          : at::empty(q.sizes(), q.options().dtype(at::kFloat));
    attention_into(out32, q.to(at::kFloat), k.to(at::kFloat), v.to(at::kFloat), options);
    out.copy_(out32);
    return;
  }
  const std::int64_t b = q.size(0), lq = q.size(1), heads = q.size(2), d = q.size(3);
  const std::int64_t lk = k.size(1);
  const double scale = options.scale < 0 ? 1.0 / std::sqrt(static_cast<double>(d)) : options.scale;
  const std::int64_t budget =
      options.max_score_elements > 0 ? options.max_score_elements : kDefaultAttentionScores;

  // Per-head 2-D GEMMs (LibTorch 1.13's batched bmm runs at half the BLAS rate
  // here). oneDNN (bf16) copies operands that are not plain row-major or
  // transposed on every call, so bf16 k and v are made head-major once.
  // (The BLAS takes any row stride, so float32 and float64 skip the copies.
  // Inputs that are transposed views of head-major tensors are not copied.)
  const bool plain_rows = q.scalar_type() == at::kBFloat16;
  const at::Tensor kh = plain_rows ? k.transpose(1, 2).contiguous() : k.transpose(1, 2);
  const at::Tensor vh = plain_rows ? v.transpose(1, 2).contiguous() : v.transpose(1, 2);
  // A tile is `rows` query rows of a group of heads. All heads of a group are
  // scored before one softmax call: the float32 GEMMs run on OpenBLAS's
  // threads and the softmax on LibTorch's, and every switch between the two
  // pools costs a spin-wait (bench_dit --attn-chunk). Groups shrink only when
  // the rows of all heads would fall below an efficient GEMM height.
  constexpr std::int64_t kMinRows = 128;
  const std::int64_t per_row = std::max<std::int64_t>(lk, 1);
  std::int64_t group = heads;
  while (group > 1 && budget / (group * per_row) < std::min(kMinRows, lq)) --group;
  const std::int64_t rows = std::clamp<std::int64_t>(budget / (group * per_row), 1, lq);
  at::Tensor tile = at::empty({group * rows * lk}, q.options());
  std::vector<at::Tensor> kt(static_cast<std::size_t>(group)), vm(kt.size()), qm(kt.size()),
      om(kt.size());
  for (std::int64_t bi = 0; bi < b; ++bi) {
    for (std::int64_t h0 = 0; h0 < heads; h0 += group) {
      const std::int64_t g_count = std::min(group, heads - h0);
      for (std::int64_t g = 0; g < g_count; ++g) {
        const auto i = static_cast<std::size_t>(g);
        kt[i] = kh[bi][h0 + g].t();         // [d, Lk]
        vm[i] = vh[bi][h0 + g];             // [Lk, d]
        qm[i] = q[bi].select(1, h0 + g);    // [Lq, d], row stride heads * d
        om[i] = out[bi].select(1, h0 + g);  // [Lq, d]
      }
      for (std::int64_t start = 0; start < lq; start += rows) {
        const std::int64_t len = std::min(rows, lq - start);
        at::Tensor scores = tile.narrow(0, 0, g_count * len * lk).view({g_count, len, lk});
        for (std::int64_t g = 0; g < g_count; ++g) {
          at::Tensor s = scores[g];
          // beta = 0: the tile's old contents are never read.
          at::addmm_out(s, s, qm[static_cast<std::size_t>(g)].narrow(0, start, len),
                        kt[static_cast<std::size_t>(g)], /*beta=*/0, /*alpha=*/scale);
        }
        at::_softmax_out(scores, scores, -1, /*half_to_float=*/false);
        for (std::int64_t g = 0; g < g_count; ++g) {
          at::Tensor dst = om[static_cast<std::size_t>(g)].narrow(0, start, len);
          at::addmm_out(dst, dst, scores[g], vm[static_cast<std::size_t>(g)],
                        /*beta=*/options.accumulate ? 1 : 0, /*alpha=*/1);
        }
      }
    }
  }
}

}  // namespace animate::wan
