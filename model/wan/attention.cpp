#include "model/wan/attention.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "model/cpu/parallel_gemm.h"
#include "model/cpu/vector_math.h"

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

// LibTorch's fused kernel into out, with the kernel's own scale argument (no
// pre-scaled copy of q, no extra rounding in reduced precision).
void fused_attention_into(at::Tensor& out, const at::Tensor& q, const at::Tensor& k,
                          const at::Tensor& v, const AttentionOptions& options) {
  const std::optional<double> scale =
      options.scale < 0 ? std::nullopt : std::optional<double>(options.scale);
  // [B, L, H, d] -> [B, H, L, d] is a view; the kernels accept these strides.
  const at::Tensor result = at::scaled_dot_product_attention(
                                q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                /*attn_mask=*/{}, /*dropout_p=*/0.0, /*is_causal=*/false, scale)
                                .transpose(1, 2);
  if (options.accumulate) {
    out.add_(result);
  } else {
    out.copy_(result);
  }
}

}  // namespace

AttentionKernel parse_attention_kernel(const std::string& name) {
  if (name == "auto") return AttentionKernel::kAuto;
  if (name == "tiled") return AttentionKernel::kTiled;
  if (name == "fused") return AttentionKernel::kFused;
  throw std::invalid_argument("attention kernel '" + name + "': use auto, tiled or fused");
}

const char* attention_kernel_name(AttentionKernel kernel) {
  switch (kernel) {
    case AttentionKernel::kAuto: return "auto";
    case AttentionKernel::kTiled: return "tiled";
    case AttentionKernel::kFused: return "fused";
  }
  return "?";
}

// On the CPU (2 cores with AVX-512 + AMX, LibTorch 2.15 wheel, bench_dit
// --attn-kernel, whole DiT forwards): bfloat16 at 8190 tokens 3.27 s tiled,
// 2.78 s fused (LibTorch's flash kernel runs on AMX); at 1950 tokens equal.
// float32: equal within noise (9.86 / 10.01 s; 1.59-1.61 / 1.62-1.69 s), so
// the tiled kernel stays, whose score memory is bounded by max_score_elements.
AttentionKernel resolve_attention_kernel(AttentionKernel requested, const at::Device& device,
                                         at::ScalarType dtype) {
  if (requested != AttentionKernel::kAuto) return requested;
  if (!device.is_cpu()) return AttentionKernel::kFused;
  return dtype == at::kBFloat16 ? AttentionKernel::kFused : AttentionKernel::kTiled;
}

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  check_shapes(q, k, v);
  at::Tensor out = at::empty(q.sizes(), q.options());
  attention_into(out, q, k, v);
  return out.view({q.size(0), q.size(1), q.size(2) * q.size(3)});
}

at::Tensor chunked_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                             std::int64_t max_score_elements) {
  check_shapes(q, k, v);
  at::Tensor out = at::empty(q.sizes(), q.options());
  AttentionOptions options;
  options.max_score_elements = max_score_elements;
  options.kernel = AttentionKernel::kTiled;
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
  if (resolve_attention_kernel(options.kernel, q.device(), q.scalar_type()) ==
      AttentionKernel::kFused) {
    fused_attention_into(out, q, k, v, options);
    return;
  }
  // No fast float16 GEMM on the CPU: compute in float32, write back at the end.
  if (q.scalar_type() == at::kHalf) {
    at::Tensor out32 = options.accumulate ? out.to(at::kFloat)
                                          : at::empty(q.sizes(), q.options().dtype(at::kFloat));
    attention_into(out32, q.to(at::kFloat), k.to(at::kFloat), v.to(at::kFloat), options);
    out.copy_(out32);
    return;
  }
  if (out.numel() == 0) return;
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

  // Work items are tiles of `rows` query rows of one head. On the CPU each
  // LibTorch thread takes a run of items and does all of a tile (scores GEMM,
  // softmax, values GEMM) alone with a single-threaded BLAS and a score tile
  // of its own: no hand-off between thread pools and no barrier inside a
  // tile. Elsewhere (CUDA without the fused kernel) the items run in turn.
  const bool parallel = cpu::splits_products(q);
  const std::int64_t workers = parallel ? at::get_num_threads() : 1;
  const std::int64_t per_row = std::max<std::int64_t>(lk, 1);
  std::int64_t rows = std::clamp<std::int64_t>(budget / (workers * per_row), 1, lq);
  // Enough tiles that every thread gets work.
  const std::int64_t min_tiles = (2 * workers + b * heads - 1) / (b * heads);
  rows = std::max<std::int64_t>(1, std::min(rows, (lq + min_tiles - 1) / min_tiles));
  const std::int64_t tiles = (lq + rows - 1) / rows;
  at::Tensor score_tiles = at::empty({workers, rows * lk}, q.options());

  const auto run_items = [&](std::int64_t begin, std::int64_t end) {
    at::Tensor tile = score_tiles[parallel ? at::get_thread_num() : 0];
    for (std::int64_t item = begin; item < end; ++item) {
      const std::int64_t bi = item / (heads * tiles), h = (item / tiles) % heads;
      const std::int64_t start = (item % tiles) * rows, len = std::min(rows, lq - start);
      at::Tensor scores = tile.narrow(0, 0, len * lk).view({len, lk});
      // beta = 0: the tile's old contents are never read.
      at::addmm_out(scores, scores, q[bi].select(1, h).narrow(0, start, len), kh[bi][h].t(),
                    /*beta=*/0, /*alpha=*/scale);
      cpu::softmax_rows_(scores);
      at::Tensor dst = out[bi].select(1, h).narrow(0, start, len);
      at::addmm_out(dst, dst, scores, vh[bi][h], /*beta=*/options.accumulate ? 1 : 0,
                    /*alpha=*/1);
    }
  };
  const std::int64_t items = b * heads * tiles;
  if (parallel) {
    cpu::parallel_blas_for(items, 1, run_items);
  } else {
    run_items(0, items);
  }
}

}  // namespace animate::wan
