#pragma once
// Tolerances for comparing two floating-point computations that may round
// differently: other shapes (token chunks, tiles, batches), other thread
// counts, other BLAS and convolution kernels (MKL, oneDNN, OpenBLAS; AVX2,
// AVX-512, AMX; FMA or not). The project's rule: compare float computations
// with tolerances derived from the computation, never bit for bit across
// shapes. (Runs of the same kernel on the same shapes and data in one process
// with the same thread count are exact, and may be compared with at::equal.)
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace animate::testing {

// The spacing of the dtype's numbers at 1.0 (twice the unit roundoff u):
// float64 2^-52 (2.2e-16), float32 2^-23 (1.19e-7), bfloat16 2^-7, float16 2^-10.
inline double machine_epsilon(at::ScalarType dtype) {
  switch (dtype) {
    case at::kDouble: return std::numeric_limits<double>::epsilon();
    case at::kFloat: return std::numeric_limits<float>::epsilon();
    case at::kBFloat16: return 1.0 / 128.0;
    case at::kHalf: return 1.0 / 1024.0;
    default: break;
  }
  throw std::invalid_argument(std::string("machine_epsilon: ") + c10::toString(dtype) +
                              " is not a floating-point dtype");
}

// Bound on |a - b| when a and b are the same sum of `terms` products
// accumulated in different orders (other blockings, vector widths, FMA or
// not) and `magnitude` bounds the sum of the terms' absolute values. Each
// order is within gamma_K * magnitude of the exact sum, gamma_K = K u / (1 - K u)
// (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., 3.1), so
// the two are within about K * eps * magnitude of each other. bfloat16 and
// float16 products accumulate in float32 (LibTorch's CPU kernels, oneDNN) and
// round once when stored, where the two may land one unit of the dtype apart.
//
// For a chain of products (a network), `terms` is the sum of the reduction
// lengths along the chain and `magnitude` the scale of its values: every sum
// may round differently and, in the worst case, the errors add up.
inline double rounding_tolerance(at::ScalarType dtype, double terms, double magnitude) {
  const bool reduced = dtype == at::kBFloat16 || dtype == at::kHalf;
  const double sums = terms * machine_epsilon(reduced ? at::kFloat : dtype);
  return (sums + (reduced ? machine_epsilon(dtype) : 0.0)) * magnitude;
}

// The products each output of a weight [out, in, kernel...] sums: in times
// the kernel volume.
inline std::int64_t fan_in(at::IntArrayRef weight_shape) {
  std::int64_t n = 1;
  for (std::size_t i = 1; i < weight_shape.size(); ++i) n *= weight_shape[i];
  return n;
}

// max |t| as a double (0 for an empty tensor).
inline double max_abs(const at::Tensor& t) {
  return t.numel() == 0 ? 0.0 : t.abs().max().item<double>();
}

// Passes when the shapes are equal and max |actual - expected| <= tolerance
// (a NaN fails); the message gives the difference and the tolerance.
inline ::testing::AssertionResult within_tolerance(const at::Tensor& actual,
                                                   const at::Tensor& expected, double tolerance) {
  if (!actual.sizes().equals(expected.sizes())) {
    return ::testing::AssertionFailure()
           << "shapes differ: " << actual.sizes() << " vs " << expected.sizes();
  }
  const double difference = max_abs(actual.to(at::kDouble) - expected.to(at::kDouble));
  if (difference <= tolerance) {
    return ::testing::AssertionSuccess()
           << "max |difference| " << difference << " <= tolerance " << tolerance;
  }
  return ::testing::AssertionFailure()
         << "max |difference| " << difference << " > tolerance " << tolerance;
}

}  // namespace animate::testing
