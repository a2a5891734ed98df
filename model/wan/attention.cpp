#include "model/wan/attention.h"

#include <ATen/ATen.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

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

bool is_reduced_float(at::ScalarType type) {
  return type == at::kHalf || type == at::kBFloat16;
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
  const std::int64_t b = q.size(0), lq = q.size(1), heads = q.size(2), d = q.size(3);
  const std::int64_t lk = k.size(1);
  const at::ScalarType work_type = is_reduced_float(q.scalar_type()) ? at::kFloat : q.scalar_type();
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));

  // Keys and values once as [B, H, Lk, d] so every chunk's matmul reads them densely.
  const at::Tensor kh = k.transpose(1, 2).to(work_type).contiguous();
  const at::Tensor vh = v.transpose(1, 2).to(work_type).contiguous();
  const at::Tensor kt = kh.transpose(-1, -2);

  const std::int64_t per_row = std::max<std::int64_t>(1, b * heads * lk);
  const std::int64_t chunk = std::clamp<std::int64_t>(max_score_elements / per_row, 1, lq);

  at::Tensor out = at::empty({b, lq, heads, d}, q.options());
  for (std::int64_t start = 0; start < lq; start += chunk) {
    const std::int64_t len = std::min(chunk, lq - start);
    const at::Tensor qc = q.narrow(1, start, len).transpose(1, 2).to(work_type).mul(scale);
    at::Tensor scores = at::matmul(qc, kt);  // [B, H, len, Lk]
    // Softmax in place; the normalisation is applied to the much smaller output.
    scores.sub_(std::get<0>(scores.max(-1, /*keepdim=*/true))).exp_();
    const at::Tensor denom = scores.sum(-1, /*keepdim=*/true);
    at::Tensor oc = at::matmul(scores, vh);  // [B, H, len, d]
    oc.div_(denom);
    out.narrow(1, start, len).copy_(oc.transpose(1, 2));
  }
  return out.view({b, lq, heads * d});
}

}  // namespace animate::wan
