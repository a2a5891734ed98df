#include "model/cpu/vector_math.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

namespace animate::cpu {

namespace {

#define ANIMATE_ALWAYS_INLINE inline __attribute__((always_inline))

ANIMATE_ALWAYS_INLINE float bits_to_float(std::uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

ANIMATE_ALWAYS_INLINE std::uint32_t float_to_bits(float f) {
  std::uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

ANIMATE_ALWAYS_INLINE float bf16_to_float(std::uint16_t b) {
  return bits_to_float(static_cast<std::uint32_t>(b) << 16);
}

// Round to nearest even, NaN kept a (quiet) NaN, like c10::BFloat16.
ANIMATE_ALWAYS_INLINE std::uint16_t float_to_bf16(float f) {
  const std::uint32_t bits = float_to_bits(f);
  const std::uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
  return f != f ? std::uint16_t{0x7FC0} : static_cast<std::uint16_t>(rounded);
}

// e^x for x in float32 (Cephes expf): x = n ln2 + r, |r| <= ln2 / 2, a degree-6
// polynomial for e^r, times 2^n built in the exponent bits. Inputs are clamped
// to [-87.33, 88.37], so the result is a normal float: below the clamp it is
// about 1.2e-38 instead of a denormal or zero, which no softmax or sigmoid
// below can tell apart.
ANIMATE_ALWAYS_INLINE float exp_approx(float x) {
  constexpr float kMax = 88.3762626647949f, kMin = -87.3365447505531f;
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  x = x > kMax ? kMax : x;
  x = x < kMin ? kMin : x;
  const float shifted = x * kLog2e + kRound;
  const float n = shifted - kRound;
  const std::int32_t n_int =
      static_cast<std::int32_t>(float_to_bits(shifted)) - static_cast<std::int32_t>(0x4B400000);
  float r = x - n * kLn2Hi;
  r = r - n * kLn2Lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  return p * bits_to_float(static_cast<std::uint32_t>(n_int + 127) << 23);
}

ANIMATE_ALWAYS_INLINE float gelu_tanh(float x) {
  constexpr float kTwoSqrt2OverPi = 1.5957691216057308f;  // 2 sqrt(2/pi)
  constexpr float kCubic = 0.044715f;
  const float z = kTwoSqrt2OverPi * (x + kCubic * x * x * x);
  return x / (1.0f + exp_approx(-z));
}

ANIMATE_ALWAYS_INLINE void softmax_row_f32(float* row, std::int64_t n) {
  float top = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : top)
  for (std::int64_t i = 0; i < n; ++i) top = row[i] > top ? row[i] : top;
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (std::int64_t i = 0; i < n; ++i) {
    const float e = exp_approx(row[i] - top);
    row[i] = e;
    sum += e;
  }
  const float inv = 1.0f / sum;
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) row[i] *= inv;
}

ANIMATE_ALWAYS_INLINE void gelu_f32(float* data, std::int64_t n) {
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) data[i] = gelu_tanh(data[i]);
}

ANIMATE_ALWAYS_INLINE void gelu_bf16(std::uint16_t* data, std::int64_t n) {
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) data[i] = float_to_bf16(gelu_tanh(bf16_to_float(data[i])));
}

// The kernels above compiled once per instruction set (the bodies are inlined
// into functions with target attributes, where they vectorise for that set),
// and the best one this CPU supports picked once. Function multi-versioning
// by target_clones cannot combine AVX-512BW (16-bit lanes, for bfloat16) with
// FMA in one clone, hence the explicit table.
struct Kernels {
  void (*softmax_f32)(float*, std::int64_t);
  void (*gelu_f32)(float*, std::int64_t);
  void (*gelu_bf16)(std::uint16_t*, std::int64_t);
};

#define ANIMATE_DEFINE_KERNELS(NAME, ATTRIBUTES)                          \
  ATTRIBUTES void softmax_f32_##NAME(float* row, std::int64_t n) {        \
    softmax_row_f32(row, n);                                              \
  }                                                                       \
  ATTRIBUTES void gelu_f32_##NAME(float* data, std::int64_t n) {          \
    gelu_f32(data, n);                                                    \
  }                                                                       \
  ATTRIBUTES void gelu_bf16_##NAME(std::uint16_t* data, std::int64_t n) { \
    gelu_bf16(data, n);                                                   \
  }                                                                       \
  constexpr Kernels k##NAME{softmax_f32_##NAME, gelu_f32_##NAME, gelu_bf16_##NAME};

ANIMATE_DEFINE_KERNELS(Baseline, )
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
ANIMATE_DEFINE_KERNELS(Avx2, __attribute__((target("avx2,fma"))))
ANIMATE_DEFINE_KERNELS(Avx512, __attribute__((target("avx512f,avx512bw,avx2,fma"))))
#endif

// The widest build the CPU runs, capped like ATen's own kernels by
// ATEN_CPU_CAPABILITY ("default", "avx2", "avx512"): one variable then sets the
// instruction set of both, e.g. to run the tests as an AVX2-only machine would.
const Kernels& kernels() {
  static const Kernels chosen = [] {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    const char* cap_env = std::getenv("ATEN_CPU_CAPABILITY");
    const std::string cap = cap_env != nullptr ? cap_env : "";
    __builtin_cpu_init();
    const bool fma = __builtin_cpu_supports("fma");
    if (cap != "default" && cap != "avx2" && __builtin_cpu_supports("avx512bw") && fma) {
      return kAvx512;
    }
    if (cap != "default" && __builtin_cpu_supports("avx2") && fma) return kAvx2;
#endif
    return kBaseline;
  }();
  return chosen;
}

bool fast_path(const at::Tensor& t) {
  return t.is_cpu() && (t.scalar_type() == at::kFloat || t.scalar_type() == at::kBFloat16);
}

std::uint16_t* bf16_data(at::Tensor& t) {
  return reinterpret_cast<std::uint16_t*>(t.data_ptr<at::BFloat16>());
}

}  // namespace

void softmax_rows_(at::Tensor& scores) {
  // bfloat16 rows stay with LibTorch: its kernel (0.87 ns per element) beats
  // this file's bf16 loop (2.8 ns) on the AVX-512 machine measured here.
  if (!scores.is_cpu() || scores.scalar_type() != at::kFloat || scores.dim() != 2 ||
      scores.stride(1) != 1) {
    if (scores.is_contiguous()) {
      at::_softmax_out(scores, scores, -1, /*half_to_float=*/false);
    } else {  // LibTorch 1.13's out= variant drops results written to a strided out
      scores.copy_(at::_softmax(scores, -1, /*half_to_float=*/false));
    }
    return;
  }
  const std::int64_t rows = scores.size(0), cols = scores.size(1), stride = scores.stride(0);
  if (cols == 0) return;
  float* data = scores.data_ptr<float>();
  for (std::int64_t r = 0; r < rows; ++r) kernels().softmax_f32(data + r * stride, cols);
}

void gelu_tanh_(at::Tensor& x) {
  if (x.is_cpu() && x.scalar_type() == at::kHalf) {  // no float16 kernels on the CPU
    at::Tensor wide = x.to(at::kFloat);
    gelu_tanh_(wide);
    x.copy_(wide);
    return;
  }
  if (!fast_path(x) || !x.is_contiguous()) {
    at::gelu_(x, "tanh");
    return;
  }
  // Chunks of 32 Ki elements: big enough to hide the hand-out, small enough to balance.
  constexpr std::int64_t kGrain = std::int64_t{1} << 15;
  const std::int64_t n = x.numel();
  if (x.scalar_type() == at::kFloat) {
    float* data = x.data_ptr<float>();
    at::parallel_for(0, n, kGrain, [&](std::int64_t begin, std::int64_t end) {
      kernels().gelu_f32(data + begin, end - begin);
    });
    return;
  }
  std::uint16_t* data = bf16_data(x);
  at::parallel_for(0, n, kGrain, [&](std::int64_t begin, std::int64_t end) {
    kernels().gelu_bf16(data + begin, end - begin);
  });
}

}  // namespace animate::cpu
