#pragma once
// Element-wise kernels of the DiT whose cost is the exponential: the
// attention's row softmax and the FFN's tanh-GELU. LibTorch 1.13's CPU
// kernels spend 0.84 ns per float32 element on a softmax row and 2.5 (float32)
// or 5.3 (bfloat16) on tanh-GELU (one thread, AVX-512 machine); these use a
// polynomial exp (Cephes, about 1 ulp in float32) in loops the compiler
// vectorises, built for AVX-512, AVX2 and baseline x86-64 and picked at run
// time: softmax 0.46 ns, GELU 0.52 (float32) and 0.81 (bfloat16, computed in
// float32 and rounded once to nearest even). Other dtypes and devices, and
// bfloat16 softmax rows (LibTorch's kernel is faster there), use LibTorch.
#include <ATen/core/Tensor.h>

namespace animate::cpu {

// softmax over the last dim of a 2-D tensor, in place (rows may be strided).
// Single-threaded: meant for the score tiles each attention thread owns.
void softmax_rows_(at::Tensor& scores);

// x * sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3)), which equals
// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), in place; on LibTorch's
// threads when not already inside a parallel region.
void gelu_tanh_(at::Tensor& x);

}  // namespace animate::cpu
