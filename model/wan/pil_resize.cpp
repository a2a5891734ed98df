#include "model/wan/pil_resize.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace animate::wan {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Filter kernels as Pillow defines them (bicubic with a = -0.5, which is not
// the a = -0.75 of PyTorch's bicubic interpolation).
double box_kernel(double x) {
  return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0;
}

double bilinear_kernel(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double hamming_kernel(double x) {
  x = std::fabs(x);
  if (x == 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x *= kPi;
  // Pillow writes the window constants as float literals; keep their rounding.
  return std::sin(x) / x * (0.54f + 0.46f * std::cos(x));
}

double bicubic_kernel(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

double sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= kPi;
  return std::sin(x) / x;
}

double lanczos_kernel(double x) {
  return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3) : 0.0;
}

struct Kernel {
  double (*function)(double);
  double support;
};

Kernel kernel_for(PilFilter filter) {
  switch (filter) {
    case PilFilter::kBox: return {box_kernel, 0.5};
    case PilFilter::kBilinear: return {bilinear_kernel, 1.0};
    case PilFilter::kHamming: return {hamming_kernel, 1.0};
    case PilFilter::kBicubic: return {bicubic_kernel, 2.0};
    case PilFilter::kLanczos: return {lanczos_kernel, 3.0};
  }
  throw std::invalid_argument("pil_resize: unknown filter");
}

// Fixed-point weights of one output pixel: Pillow keeps 22 fraction bits so
// that 8-bit values times weights (which can be negative or exceed 1) still
// fit an int32 accumulator.
constexpr int kPrecisionBits = 32 - 8 - 2;

struct AxisWeights {
  std::vector<std::int64_t> first;    // first input index per output index
  std::vector<std::int64_t> count;    // number of taps per output index
  std::vector<std::int32_t> weights;  // [out_size, taps] fixed point
  std::int64_t taps = 0;
};

// Pillow's precompute_coeffs + normalize_coeffs_8bpc for the box
// [0, in_size) mapped onto out_size pixels.
AxisWeights axis_weights(std::int64_t in_size, std::int64_t out_size, const Kernel& kernel) {
  // Pillow receives the box as floats and widens to double here.
  const float in0 = 0.0f;
  const float in1 = static_cast<float>(in_size);
  const double scale = static_cast<double>(in1 - in0) / static_cast<double>(out_size);
  const double filter_scale = std::max(scale, 1.0);
  const double support = kernel.support * filter_scale;
  AxisWeights axis;
  axis.taps = static_cast<std::int64_t>(std::ceil(support)) * 2 + 1;
  axis.first.resize(out_size);
  axis.count.resize(out_size);
  axis.weights.assign(out_size * axis.taps, 0);
  std::vector<double> taps(axis.taps);
  const double inverse_scale = 1.0 / filter_scale;
  for (std::int64_t out = 0; out < out_size; ++out) {
    const double center = in0 + (static_cast<double>(out) + 0.5) * scale;
    // The C casts truncate toward zero; negative starts are clamped to 0 anyway.
    std::int64_t lo = static_cast<std::int64_t>(static_cast<int>(center - support + 0.5));
    lo = std::max<std::int64_t>(lo, 0);
    std::int64_t hi = static_cast<std::int64_t>(static_cast<int>(center + support + 0.5));
    hi = std::min(hi, in_size);
    const std::int64_t count = std::max<std::int64_t>(hi - lo, 0);
    double sum = 0.0;
    for (std::int64_t t = 0; t < count; ++t) {
      const double w =
          kernel.function((static_cast<double>(t + lo) - center + 0.5) * inverse_scale);
      taps[t] = w;
      sum += w;
    }
    for (std::int64_t t = 0; t < count; ++t) {
      const double w = sum != 0.0 ? taps[t] / sum : taps[t];
      const double fixed = w * static_cast<double>(1 << kPrecisionBits);
      axis.weights[out * axis.taps + t] =
          static_cast<std::int32_t>(fixed < 0 ? fixed - 0.5 : fixed + 0.5);
    }
    axis.first[out] = lo;
    axis.count[out] = count;
  }
  return axis;
}

std::uint8_t clip8(std::int64_t accumulator) {
  // Arithmetic shift, as Pillow's lookup table indexes with `in >> PRECISION_BITS`.
  const std::int64_t value = accumulator >> kPrecisionBits;
  return static_cast<std::uint8_t>(std::clamp<std::int64_t>(value, 0, 255));
}

constexpr std::int64_t kRoundingHalf = std::int64_t{1} << (kPrecisionBits - 1);

// Rows [row_begin, row_end) of `in` [H, W, C] resampled along W into `out`
// [row_end - row_begin, out_w, C].
void resample_rows(const std::uint8_t* in, std::int64_t in_w, std::int64_t channels,
                   std::int64_t row_begin, std::int64_t row_end, const AxisWeights& axis,
                   std::int64_t out_w, std::uint8_t* out) {
  for (std::int64_t y = row_begin; y < row_end; ++y) {
    const std::uint8_t* in_row = in + y * in_w * channels;
    std::uint8_t* out_row = out + (y - row_begin) * out_w * channels;
    for (std::int64_t x = 0; x < out_w; ++x) {
      const std::int32_t* w = &axis.weights[x * axis.taps];
      const std::uint8_t* src = in_row + axis.first[x] * channels;
      for (std::int64_t c = 0; c < channels; ++c) {
        std::int64_t acc = kRoundingHalf;
        for (std::int64_t t = 0; t < axis.count[x]; ++t) acc += src[t * channels + c] * w[t];
        out_row[x * channels + c] = clip8(acc);
      }
    }
  }
}

// `in` [in_h, W, C] resampled along H into `out` [out_h, W, C]; the axis
// weights' first indices are relative to `row_offset` of the full image.
void resample_columns(const std::uint8_t* in, std::int64_t width, std::int64_t channels,
                      const AxisWeights& axis, std::int64_t row_offset, std::int64_t out_h,
                      std::uint8_t* out) {
  const std::int64_t row_stride = width * channels;
  for (std::int64_t y = 0; y < out_h; ++y) {
    const std::int32_t* w = &axis.weights[y * axis.taps];
    const std::uint8_t* src = in + (axis.first[y] - row_offset) * row_stride;
    std::uint8_t* out_row = out + y * row_stride;
    for (std::int64_t i = 0; i < row_stride; ++i) {
      std::int64_t acc = kRoundingHalf;
      for (std::int64_t t = 0; t < axis.count[y]; ++t) acc += src[t * row_stride + i] * w[t];
      out_row[i] = clip8(acc);
    }
  }
}

}  // namespace

at::Tensor pil_resize(const at::Tensor& image, std::int64_t width, std::int64_t height,
                      PilFilter filter) {
  if (!image.defined() || image.dim() != 3 || image.scalar_type() != at::kByte) {
    throw std::invalid_argument("pil_resize: expected a uint8 image [H, W, C]");
  }
  const std::int64_t in_h = image.size(0);
  const std::int64_t in_w = image.size(1);
  const std::int64_t channels = image.size(2);
  if (in_h < 1 || in_w < 1 || channels < 1) {
    throw std::invalid_argument("pil_resize: empty image");
  }
  constexpr std::int64_t kMaxSide = std::numeric_limits<int>::max() / 64;
  if (width < 1 || height < 1 || width > kMaxSide || height > kMaxSide) {
    throw std::invalid_argument("pil_resize: target size " + std::to_string(width) + "x" +
                                std::to_string(height) + " must be in [1, " +
                                std::to_string(kMaxSide) + "]");
  }
  const at::Tensor input = image.to(at::kCPU).contiguous();
  if (width == in_w && height == in_h) return input.clone();

  const Kernel kernel = kernel_for(filter);
  const AxisWeights horizontal = axis_weights(in_w, width, kernel);
  const AxisWeights vertical = axis_weights(in_h, height, kernel);
  const bool need_horizontal = width != in_w;
  const bool need_vertical = height != in_h;

  if (!need_horizontal) {
    at::Tensor out = at::empty({height, in_w, channels}, input.options());
    resample_columns(input.data_ptr<std::uint8_t>(), in_w, channels, vertical, 0, height,
                     out.data_ptr<std::uint8_t>());
    return out;
  }
  // Like Pillow, the horizontal pass only covers the rows the vertical pass reads.
  std::int64_t row_begin = 0;
  std::int64_t row_end = in_h;
  if (need_vertical) {
    row_begin = vertical.first.front();
    row_end = vertical.first.back() + vertical.count.back();
  }
  at::Tensor rows = at::empty({row_end - row_begin, width, channels}, input.options());
  resample_rows(input.data_ptr<std::uint8_t>(), in_w, channels, row_begin, row_end, horizontal,
                width, rows.data_ptr<std::uint8_t>());
  if (!need_vertical) return rows;
  at::Tensor out = at::empty({height, width, channels}, input.options());
  resample_columns(rows.data_ptr<std::uint8_t>(), width, channels, vertical, row_begin, height,
                   out.data_ptr<std::uint8_t>());
  return out;
}

}  // namespace animate::wan
