#pragma once
// Matrix products split across LibTorch's OpenMP threads, one single-threaded
// GEMM per thread (see cpu_threads.h for why). On 2 cores this runs the DiT's
// float32 projections at 195-205 GFLOP/s instead of 150-200 with OpenBLAS's
// own threads, and its attention-sized GEMMs (K = 128) at 170-185 instead of
// 65-90 (bench_dit --gemm); bfloat16 (oneDNN) gains 3-20%.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>

namespace animate::cpu {

// True when products on tensors like `t` are split here: a CPU tensor of
// float32/float64 (with a BLAS that runs one call per thread: OpenBLAS with
// its thread count settable, or MKL) or bfloat16 (oneDNN), more than one
// LibTorch thread, and not already inside a parallel region.
bool splits_products(const at::Tensor& t);

// Runs body(begin, end) over contiguous chunks of [0, n) on LibTorch's OpenMP
// threads, at most one chunk per thread and at least `grain` items per chunk,
// with the BLAS single-threaded meanwhile. Exceptions propagate. Runs body(0, n)
// on the calling thread when LibTorch has one thread or this is already inside
// a parallel region. Work inside must stay on the CPU.
void parallel_blas_for(std::int64_t n, std::int64_t grain,
                       const std::function<void(std::int64_t, std::int64_t)>& body);

// x [..., in] times weight [out, in] transposed, plus bias [out] when defined:
// at::linear's result. Row blocks run in parallel where splits_products(x).
at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = {});

// The same for x [rows, in] into out [rows, out] (rows contiguous).
void linear_out(at::Tensor& out, const at::Tensor& x, const at::Tensor& weight,
                const at::Tensor& bias = {});

}  // namespace animate::cpu
