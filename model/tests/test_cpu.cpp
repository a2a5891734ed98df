// Thread pools and the GEMMs split across LibTorch's OpenMP threads.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <mutex>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include "model/cpu/cpu_threads.h"
#include "model/cpu/parallel_gemm.h"
#include "model/cpu/vector_math.h"
#include "model/tests/test_tolerance.h"

namespace {

namespace cpu = animate::cpu;
using animate::testing::fan_in;
using animate::testing::max_abs;
using animate::testing::rounding_tolerance;
using animate::testing::within_tolerance;

// PyTorch's x86-64 wheels compute float32 products with MKL, but LibTorch
// builds on OpenBLAS exist (aarch64 wheels, distribution packages), and the
// service loads OpenBLAS anyway where OpenCV's libblas.so.3 is OpenBLAS. So
// the OpenBLAS thread scope is tested against Debian's OpenBLAS, loaded into
// this process before any test looks it up (scripts/setup.sh installs it).
const bool kOpenBlasLoaded = [] {
  for (const char* name : {"libopenblas.so.0", "libopenblasp.so.0"}) {
    if (dlopen(name, RTLD_NOW | RTLD_GLOBAL) != nullptr) return true;
  }
  return false;
}();

// LibTorch threads for one test, restored afterwards.
class TorchThreads {
 public:
  explicit TorchThreads(int threads) : saved_(at::get_num_threads()) {
    at::set_num_threads(threads);
  }
  ~TorchThreads() { at::set_num_threads(saved_); }
  TorchThreads(const TorchThreads&) = delete;
  TorchThreads& operator=(const TorchThreads&) = delete;

 private:
  int saved_;
};

int openblas_threads() {
  using GetThreads = int (*)();
  const auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get != nullptr ? get() : -1;
}

// The threads that ran parallel_blas_for's chunks, and whether every item ran once.
struct Coverage {
  std::set<int> threads;
  bool each_item_once = true;
};

Coverage cover(std::int64_t n) {
  std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
  std::mutex mutex;
  Coverage c;
  cpu::parallel_blas_for(n, 1, [&](std::int64_t begin, std::int64_t end) {
    {
      const std::lock_guard<std::mutex> lock(mutex);
      c.threads.insert(at::get_thread_num());
    }
    for (std::int64_t i = begin; i < end; ++i) ++hits[static_cast<std::size_t>(i)];
  });
  for (const auto& h : hits) c.each_item_once = c.each_item_once && h.load() == 1;
  return c;
}

// Catches a build without the compiler's OpenMP flag, where ATen's
// parallel_for template compiles to a plain loop.
TEST(ParallelBlasFor, RunsOnEveryLibTorchThread) {
  const TorchThreads threads(2);
  const Coverage c = cover(10);
  EXPECT_TRUE(c.each_item_once);
  EXPECT_EQ(c.threads, (std::set<int>{0, 1}));
}

TEST(ParallelBlasFor, OneThreadOrNestedRunsInline) {
  {
    const TorchThreads threads(1);
    const Coverage c = cover(7);
    EXPECT_TRUE(c.each_item_once);
    EXPECT_EQ(c.threads.size(), 1u);
  }
  const TorchThreads threads(2);
  std::atomic<int> inner_calls{0};
  at::parallel_for(0, 2, 1, [&](std::int64_t, std::int64_t) {
    cpu::parallel_blas_for(5, 1, [&](std::int64_t begin, std::int64_t end) {
      EXPECT_EQ(begin, 0);
      EXPECT_EQ(end, 5);
      ++inner_calls;
    });
  });
  EXPECT_EQ(inner_calls.load(), 2);
  cover(0);  // nothing to do is fine
}

TEST(ParallelBlasFor, PropagatesExceptions) {
  const TorchThreads threads(2);
  EXPECT_THROW(cpu::parallel_blas_for(4, 1,
                                      [](std::int64_t begin, std::int64_t) {
                                        if (begin > 0) throw std::runtime_error("chunk failed");
                                      }),
               std::runtime_error);
  // The BLAS is back to its own thread count afterwards.
  if (cpu::blas_threads_settable()) {
    EXPECT_EQ(openblas_threads(), 2);
  }
}

TEST(SingleThreadedBlas, SwitchesOnceAndRestoresTheCountItFound) {
  ASSERT_TRUE(kOpenBlasLoaded)
      << "libopenblas.so.0 not found (apt-get install libopenblas0-pthread)";
  ASSERT_TRUE(cpu::blas_threads_settable());
  cpu::set_cpu_threads(2);
  EXPECT_EQ(openblas_threads(), 2);
  {
    const cpu::SingleThreadedBlasScope outer;
    EXPECT_EQ(openblas_threads(), 1);
    {
      const cpu::SingleThreadedBlasScope inner;
      EXPECT_EQ(openblas_threads(), 1);
    }
    EXPECT_EQ(openblas_threads(), 1);  // still inside the outer scope
    // A new count set meanwhile is what the last scope restores.
    cpu::set_cpu_threads(1);
    cpu::set_cpu_threads(2);
    EXPECT_EQ(openblas_threads(), 1);
  }
  EXPECT_EQ(openblas_threads(), 2);
}

TEST(SetCpuThreads, ReportsWhatItSet) {
  const int saved = at::get_num_threads();
  const cpu::CpuThreads t = cpu::set_cpu_threads(2);
  EXPECT_EQ(t.torch, 2);
  if (cpu::blas_threads_settable()) {
    EXPECT_NE(t.blas.find("OpenBLAS, 2 threads"), std::string::npos) << t.blas;
  }
  cpu::set_cpu_threads(saved);
}

TEST(SplitsProducts, OnlyCpuFloatTensorsWithThreads) {
  const TorchThreads threads(2);
  const bool blas = cpu::blas_threads_settable() || at::hasMKL();
  EXPECT_EQ(cpu::splits_products(at::ones({2}, at::kFloat)), blas);
  EXPECT_EQ(cpu::splits_products(at::ones({2}, at::kDouble)), blas);
  EXPECT_TRUE(cpu::splits_products(at::ones({2}, at::kBFloat16)));
  EXPECT_FALSE(cpu::splits_products(at::ones({2}, at::kHalf)));
  EXPECT_FALSE(cpu::splits_products(at::ones({2}, at::kInt)));
  std::atomic<bool> inside{true};
  at::parallel_for(0, 2, 1, [&](std::int64_t, std::int64_t) {
    if (cpu::splits_products(at::ones({2}))) inside = false;
  });
  EXPECT_TRUE(inside.load()) << "no split inside a parallel region";
  const TorchThreads one(1);
  EXPECT_FALSE(cpu::splits_products(at::ones({2})));
}

// The split product against at::linear on one thread: every row count around
// the block boundaries, with and without bias, 2-D and 3-D inputs. Within
// rounding: the row blocks give the BLAS other shapes, which may sum an
// output's 96 products and bias in other orders; their absolute values add
// up to at most max(|x| |w|^T + |b|).
TEST(ParallelLinear, MatchesAtLinear) {
  const TorchThreads threads(2);
  for (const at::ScalarType dtype : {at::kDouble, at::kFloat, at::kBFloat16}) {
    for (const std::int64_t rows : {1, 2, 3, 17, 31, 32, 33, 64, 65, 100, 257}) {
      const at::Tensor x = at::randn({rows, 96}).to(dtype);
      const at::Tensor w = at::randn({80, 96}).to(dtype) * 0.1;
      const at::Tensor b = at::randn({80}).to(dtype);
      const at::Tensor abs_sums =
          at::addmm(b.to(at::kDouble).abs(), x.to(at::kDouble).abs(), w.to(at::kDouble).abs().t());
      const double tol = rounding_tolerance(dtype, fan_in(w.sizes()) + 1, max_abs(abs_sums));
      at::Tensor expected_bias, expected_plain;
      {
        const TorchThreads serial(1);
        expected_bias = at::linear(x, w, b).to(at::kDouble);
        expected_plain = at::linear(x, w).to(at::kDouble);
      }
      const at::Tensor got = cpu::linear(x, w, b);
      EXPECT_EQ(got.scalar_type(), dtype);
      EXPECT_TRUE(within_tolerance(got, expected_bias, tol))
          << c10::toString(dtype) << " rows " << rows;
      EXPECT_TRUE(within_tolerance(cpu::linear(x, w), expected_plain, tol))
          << c10::toString(dtype) << " rows " << rows << " without bias";
      const at::Tensor x3 = x.view({1, rows, 96});
      EXPECT_EQ(cpu::linear(x3, w, b).sizes(), (std::vector<std::int64_t>{1, rows, 80}));
      at::Tensor out = at::full({rows, 80}, 7.0, x.options());
      cpu::linear_out(out, x, w, b);
      EXPECT_TRUE(within_tolerance(out, expected_bias, tol));
    }
  }
}

TEST(ParallelLinear, NonContiguousInputs) {
  const TorchThreads threads(2);
  const at::Tensor x = at::randn({96, 300}).t();  // [300, 96], column-major
  const at::Tensor w = at::randn({96, 64}).t();   // [64, 96], column-major
  // Other kernels may sum the 96 products in other orders (rounding_tolerance).
  const double tol =
      rounding_tolerance(at::kFloat, fan_in(w.sizes()), max_abs(at::mm(x.abs(), w.abs().t())));
  EXPECT_TRUE(within_tolerance(cpu::linear(x, w), at::mm(x, w.t()), tol));
}

TEST(ParallelLinear, RejectsMismatchedShapes) {
  const TorchThreads threads(2);
  if (!cpu::splits_products(at::ones({1}))) GTEST_SKIP() << "at::linear reports it instead";
  try {
    cpu::linear(at::randn({300, 96}), at::randn({80, 95}));
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[300, 96]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[80, 95]"), std::string::npos) << e.what();
  }
  at::Tensor out = at::empty({300, 81});
  EXPECT_THROW(cpu::linear_out(out, at::randn({300, 96}), at::randn({80, 96})),
               std::invalid_argument);
}

// ---- vector math ----

// The largest |got - expected| relative to max(|expected|, floor).
double max_relative_error(const at::Tensor& got, const at::Tensor& expected, double floor) {
  const at::Tensor e = expected.to(at::kDouble);
  return ((got.to(at::kDouble) - e).abs() / e.abs().clamp_min(floor)).max().item<double>();
}

TEST(SoftmaxRows, MatchesLibTorchInFloat32AndBfloat16) {
  // Row lengths off the vector width, wide score ranges, strided rows.
  for (const std::int64_t cols : {1, 7, 16, 33, 1950}) {
    at::Tensor base = at::randn({9, cols + 5}, at::kDouble) * 12;
    base[3].fill_(-4.0);  // a flat row
    base[4][0] = 80.0;    // one dominating score
    // Exact softmax of the float32 inputs; ours must be about as close as LibTorch's.
    const at::Tensor inputs = base.to(at::kFloat).narrow(1, 2, cols);  // row stride cols + 5
    const at::Tensor expected = at::softmax(inputs.to(at::kDouble), -1);
    const double libtorch_error = max_relative_error(at::softmax(inputs, -1), expected, 1e-30);
    at::Tensor f32 = base.to(at::kFloat).narrow(1, 2, cols);
    cpu::softmax_rows_(f32);
    EXPECT_LE(max_relative_error(f32, expected, 1e-30), 2 * libtorch_error + 1e-6)
        << "cols " << cols << ", LibTorch's error " << libtorch_error;
    // Rows sum to 1 within rounding in any summation order (vector widths
    // differ by CPU): (cols - 1) u each for the kernel's normalising sum and
    // for at::sum, 2 u for scaling by the inverse, so below (cols + 1) eps.
    EXPECT_TRUE(
        within_tolerance(f32.sum(-1), at::ones({9}), rounding_tolerance(at::kFloat, cols + 1, 1.0)))
        << "cols " << cols;
    // bf16: the float32 result of the bf16 inputs, rounded once.
    at::Tensor bf16 = base.to(at::kBFloat16).narrow(1, 2, cols);
    const at::Tensor bf16_expected =
        at::softmax(bf16.to(at::kDouble), -1).to(at::kFloat).to(at::kBFloat16);
    cpu::softmax_rows_(bf16);
    const double ulp_diff =
        (bf16.to(at::kDouble) - bf16_expected.to(at::kDouble)).abs().max().item<double>();
    EXPECT_LE(ulp_diff, bf16_expected.to(at::kDouble).abs().max().item<double>() / 128.0)
        << "cols " << cols;
  }
}

TEST(SoftmaxRows, OtherDtypesUseLibTorch) {
  at::Tensor t = at::randn({4, 10}, at::kDouble);
  const at::Tensor expected = at::softmax(t, -1);
  cpu::softmax_rows_(t);
  EXPECT_TRUE(at::allclose(t, expected, 1e-15, 1e-15));
}

at::Tensor gelu_tanh_reference(const at::Tensor& x) {
  const at::Tensor d = x.to(at::kDouble);
  return 0.5 * d * (1 + at::tanh(0.7978845608028654 * (d + 0.044715 * d * d * d)));
}

TEST(GeluTanh, MatchesTheTanhFormula) {
  const TorchThreads threads(2);
  at::Tensor x = at::cat({at::randn({100000}) * 3, at::linspace(-120, 120, 4801),
                          at::tensor({0.0f, -0.0f, 1e-30f, -1e-30f, 1e4f, -1e4f})});
  const at::Tensor expected = gelu_tanh_reference(x);
  at::Tensor f32 = x.clone();
  cpu::gelu_tanh_(f32);
  // Relative where the result is not tiny; far on the negative side the
  // sigmoid form leaves |x| e^(2u) where the tanh form rounds to zero.
  const auto error = [](const at::Tensor& got, const at::Tensor& want) {
    const at::Tensor g = got.to(at::kDouble), w = want.to(at::kDouble);
    const at::Tensor big = w.abs() >= 1e-3;
    return std::make_pair((g - w).abs().div(w.abs()).masked_fill(~big, 0).max().item<double>(),
                          (g - w).abs().masked_fill(big, 0).max().item<double>());
  };
  const auto [f32_relative, f32_absolute] = error(f32, expected);
  EXPECT_LE(f32_relative, 2e-6);
  EXPECT_LE(f32_absolute, 1e-6);
  EXPECT_LE(std::abs(f32[x.numel() - 1].item<float>()), 1e-30f);  // gelu(-1e4)
  EXPECT_EQ(f32[x.numel() - 2].item<float>(), 1e4f);

  at::Tensor bf16 = x.to(at::kBFloat16);
  const at::Tensor bf16_expected = gelu_tanh_reference(bf16).to(at::kFloat).to(at::kBFloat16);
  cpu::gelu_tanh_(bf16);
  const auto [bf16_relative, bf16_absolute] = error(bf16, bf16_expected);
  EXPECT_LE(bf16_relative, 1.0 / 128.0);  // at most one bf16 ulp
  EXPECT_LE(bf16_absolute, 1e-6);

  at::Tensor half = x.narrow(0, 0, 1000).to(at::kHalf);
  const at::Tensor half_expected = gelu_tanh_reference(half);
  cpu::gelu_tanh_(half);
  EXPECT_TRUE(at::allclose(half.to(at::kDouble), half_expected, 2e-3, 2e-3));
}

}  // namespace
