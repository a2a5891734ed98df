#include "model/cpu/parallel_gemm.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/cpu/cpu_threads.h"

namespace animate::cpu {

namespace {

// Below this many multiply-adds a product is not worth a parallel region.
constexpr std::int64_t kMinSplitWork = std::int64_t{1} << 16;
// Row blocks of this height or more are rounded to whole register tiles of
// the GEMM kernels (16 rows covers OpenBLAS's and oneDNN's AVX-512 kernels).
constexpr std::int64_t kRowTile = 16;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

void gemm_rows(at::Tensor& out, const at::Tensor& x, const at::Tensor& weight,
               const at::Tensor& bias) {
  if (bias.defined()) {
    at::addmm_out(out, bias, x, weight.t());
  } else {
    at::mm_out(out, x, weight.t());
  }
}

}  // namespace

bool splits_products(const at::Tensor& t) {
  if (!t.is_cpu() || at::get_num_threads() < 2 || at::in_parallel_region()) return false;
  switch (t.scalar_type()) {
    case at::kBFloat16: return true;
    case at::kFloat:
    case at::kDouble: return blas_threads_settable() || at::hasMKL();
    default: return false;
  }
}

void parallel_blas_for(std::int64_t n, std::int64_t grain,
                       const std::function<void(std::int64_t, std::int64_t)>& body) {
  if (n <= 0) return;
  if (at::get_num_threads() < 2 || at::in_parallel_region()) {
    body(0, n);
    return;
  }
  const SingleThreadedBlasScope single_threaded_blas;
  at::parallel_for(0, n, std::max<std::int64_t>(grain, 1), body);
}

void linear_out(at::Tensor& out, const at::Tensor& x, const at::Tensor& weight,
                const at::Tensor& bias) {
  if (x.dim() != 2 || weight.dim() != 2 || x.size(1) != weight.size(1) || out.dim() != 2 ||
      out.size(0) != x.size(0) || out.size(1) != weight.size(0)) {
    throw std::invalid_argument(
        "linear_out: expected x [rows, in], weight [out, in] and out "
        "[rows, out], got x " +
        c10::str(x.sizes()) + ", weight " + c10::str(weight.sizes()) + ", out " +
        c10::str(out.sizes()));
  }
  const std::int64_t rows = x.size(0);
  const std::int64_t threads = at::get_num_threads();
  if (!splits_products(x) || rows < 2 || rows * x.size(1) * weight.size(0) < kMinSplitWork) {
    gemm_rows(out, x, weight, bias);
    return;
  }
  std::int64_t block = ceil_div(rows, threads);
  if (block >= 2 * kRowTile) block = ceil_div(block, kRowTile) * kRowTile;
  const std::int64_t blocks = ceil_div(rows, block);
  parallel_blas_for(blocks, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const std::int64_t start = i * block, len = std::min(block, rows - start);
      at::Tensor dst = out.narrow(0, start, len);
      gemm_rows(dst, x.narrow(0, start, len), weight, bias);
    }
  });
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  if (!splits_products(x) || x.dim() < 1) return at::linear(x, weight, bias);
  const std::int64_t in = x.size(-1);
  if (weight.dim() != 2 || weight.size(1) != in) {
    throw std::invalid_argument("linear: x " + c10::str(x.sizes()) + " does not fit weight " +
                                c10::str(weight.sizes()));
  }
  const at::Tensor rows = x.reshape({-1, in});
  at::Tensor out = at::empty({rows.size(0), weight.size(0)}, x.options());
  linear_out(out, rows, weight, bias);
  std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
  shape.back() = weight.size(0);
  return out.view(shape);
}

}  // namespace animate::cpu
