// Wan DiT: configuration, RoPE, attention, weight loading and the forward pass.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "model/io/error.h"
#include "model/tests/test_dit_support.h"
#include "model/wan/attention.h"
#include "model/wan/dit.h"
#include "model/wan/rope.h"

namespace animate {
namespace {

using testing::dit_forward_tolerance;
using testing::fan_in;
using testing::machine_epsilon;
using testing::max_abs;
using testing::MemorySource;
using testing::random_dit_weights;
using testing::random_inputs;
using testing::rounding_tolerance;
using testing::tiny_config;
using testing::within_tolerance;

// Runs `fn`, expects exception E whose message contains every `parts` entry.
template <typename E, typename Fn>
void expect_error(Fn&& fn, std::initializer_list<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "no exception thrown";
  } catch (const E& e) {
    const std::string what = e.what();
    for (const auto& part : parts) EXPECT_NE(what.find(part), std::string::npos) << what;
  }
}

// ---- configuration ----

TEST(DitConfig, ParsesOfficialConfigJson) {
  const auto c = wan::DitConfig::from_json(R"({"_class_name": "WanModel", "dim": 5120,
      "eps": 1e-06, "ffn_dim": 13824, "freq_dim": 256, "in_dim": 36, "model_type": "i2v",
      "num_heads": 40, "num_layers": 40, "out_dim": 16, "text_len": 512})");
  EXPECT_EQ(c.dim, 5120);
  EXPECT_EQ(c.head_dim(), 128);
  EXPECT_EQ(c.text_dim, 4096);
  EXPECT_EQ(c.clip_dim, 1280);
  EXPECT_TRUE(c.has_image_input());
  EXPECT_EQ(c.patch_volume(), 4);
}

TEST(DitConfig, RejectsUnusableValues) {
  // head_dim 34 splits into 12/11/11 rotary dims: odd parts.
  expect_error<std::invalid_argument>(
      [] { wan::DitConfig::from_json(R"({"dim": 68, "num_heads": 2})"); }, {"head_dim 34", "RoPE"});
  expect_error<std::invalid_argument>(
      [] { wan::DitConfig::from_json(R"({"dim": 100, "num_heads": 3})"); }, {"num_heads 3"});
  expect_error<std::invalid_argument>(
      [] { wan::DitConfig::from_json(R"({"model_type": "flf2v"})"); }, {"flf2v"});
  expect_error<std::invalid_argument>(
      [] { wan::DitConfig::from_json(R"({"window_size": [4, 4]})"); }, {"window_size"});
  expect_error<std::invalid_argument>([] { wan::DitConfig::from_json(R"({"dim": "wide"})"); },
                                      {"'dim'"});
  expect_error<std::invalid_argument>([] { wan::DitConfig::from_json("{not json"); },
                                      {"malformed"});
}

// ---- RoPE ----

TEST(Rope, SplitMatchesTheReference) {
  EXPECT_EQ(wan::rope_split(128), (std::array<std::int64_t, 3>{44, 42, 42}));
  EXPECT_EQ(wan::rope_split(24), (std::array<std::int64_t, 3>{8, 8, 8}));
  EXPECT_EQ(wan::rope_split(48), (std::array<std::int64_t, 3>{16, 16, 16}));
  EXPECT_THROW(wan::rope_split(34), std::invalid_argument);
  EXPECT_THROW(wan::rope_split(7), std::invalid_argument);
}

TEST(Rope, MatchesComplexRotationInFloat64) {
  const wan::TokenGrid grid{3, 2, 4};
  const std::int64_t d = 24, heads = 2;
  const auto table = wan::make_rope_table(grid, d, at::kDouble, at::kCPU);
  const at::Tensor x = at::randn({1, grid.tokens(), heads, d}, at::kDouble);
  const at::Tensor out = wan::apply_rope(x, table);
  // Naive: every pair (2m, 2m+1) rotated by its axis angle.
  const auto split = wan::rope_split(d);
  for (std::int64_t f = 0; f < grid.frames; ++f) {
    for (std::int64_t r = 0; r < grid.height; ++r) {
      for (std::int64_t c = 0; c < grid.width; ++c) {
        const std::int64_t token = (f * grid.height + r) * grid.width + c;
        for (std::int64_t m = 0; m < d / 2; ++m) {
          std::int64_t pos, n, k;
          if (m < split[0] / 2) {
            pos = f, n = split[0], k = m;
          } else if (m < (split[0] + split[1]) / 2) {
            pos = r, n = split[1], k = m - split[0] / 2;
          } else {
            pos = c, n = split[2], k = m - (split[0] + split[1]) / 2;
          }
          const double angle = pos * std::pow(10000.0, -2.0 * k / n);
          for (std::int64_t h = 0; h < heads; ++h) {
            const double a = x[0][token][h][2 * m].item<double>();
            const double b = x[0][token][h][2 * m + 1].item<double>();
            EXPECT_NEAR(out[0][token][h][2 * m].item<double>(),
                        a * std::cos(angle) - b * std::sin(angle), 1e-12);
            EXPECT_NEAR(out[0][token][h][2 * m + 1].item<double>(),
                        a * std::sin(angle) + b * std::cos(angle), 1e-12);
          }
        }
      }
    }
  }
}

TEST(Rope, CacheReusesTablesPerGrid) {
  wan::RopeCache cache(24, at::kFloat, 2);
  const auto a = cache.get({2, 3, 4}, at::kCPU);
  EXPECT_EQ(a.get(), cache.get({2, 3, 4}, at::kCPU).get());
  const auto b = cache.get({1, 3, 4}, at::kCPU);
  EXPECT_NE(a.get(), b.get());
  cache.get({5, 1, 1}, at::kCPU);  // evicts the least recently used entry
  EXPECT_EQ(cache.size(), 2u);
}

// ---- attention ----

at::Tensor naive_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  const auto qh = q.transpose(1, 2), kh = k.transpose(1, 2), vh = v.transpose(1, 2);
  const auto scores = at::matmul(qh, kh.transpose(-1, -2)) / std::sqrt(double(q.size(3)));
  const auto out = at::matmul(scores.softmax(-1), vh);
  return out.transpose(1, 2).reshape({q.size(0), q.size(1), -1});
}

TEST(Attention, ChunkedMatchesFullSoftmax) {
  const at::Tensor q = at::randn({2, 37, 3, 8}, at::kDouble);
  const at::Tensor k = at::randn({2, 29, 3, 8}, at::kDouble);
  const at::Tensor v = at::randn({2, 29, 3, 8}, at::kDouble);
  const at::Tensor expected = naive_attention(q, k, v);
  for (std::int64_t budget :
       {std::int64_t{1}, std::int64_t{2 * 3 * 29 * 5}, std::int64_t{1} << 30}) {
    EXPECT_TRUE(at::allclose(wan::chunked_attention(q, k, v, budget), expected, 1e-10, 1e-12))
        << "budget " << budget;
  }
  EXPECT_TRUE(at::allclose(wan::attention(q, k, v), expected, 1e-10, 1e-12));
}

TEST(Attention, Bfloat16IsCloseToFloat32) {
  const at::Tensor q = at::randn({1, 16, 2, 8}), k = at::randn({1, 9, 2, 8}),
                   v = at::randn({1, 9, 2, 8});
  const at::Tensor out =
      wan::chunked_attention(q.to(at::kBFloat16), k.to(at::kBFloat16), v.to(at::kBFloat16), 64);
  EXPECT_EQ(out.scalar_type(), at::kBFloat16);
  EXPECT_TRUE(at::allclose(out.to(at::kFloat), naive_attention(q, k, v), 5e-2, 5e-2));
}

// bf16 scores, but the softmax must accumulate in float32: with 8192 equal
// scores a bf16 running sum would stall far below 8192 (and the weights be off).
TEST(Attention, Bfloat16SoftmaxSumsInFloat32) {
  const std::int64_t keys = 8192;
  const at::Tensor q = at::zeros({1, 4, 1, 8}, at::kBFloat16);
  const at::Tensor k = at::randn({1, keys, 1, 8}).to(at::kBFloat16);
  const at::Tensor v = at::randn({1, keys, 1, 8}).to(at::kBFloat16);
  const at::Tensor out = wan::chunked_attention(q, k, v).to(at::kFloat);
  const at::Tensor mean = v.to(at::kFloat).mean(1).reshape({1, 1, 8}).expand({1, 4, 8});
  // The weights are exactly 1/8192, so the kernel's output and the float32
  // mean are both float32 sums of 8192 terms whose absolute values add up to
  // mean |v| (each within rounding_tolerance of the exact mean), and the
  // output rounds once more to bfloat16. A stalled bf16 sum (at 256) gives
  // weights 1/256: 32 times the mean.
  const double abs_sum = max_abs(v.to(at::kFloat).abs().mean(1));
  const double bound = 2.0 * rounding_tolerance(at::kFloat, keys, abs_sum) +
                       machine_epsilon(at::kBFloat16) * max_abs(mean);
  EXPECT_TRUE(within_tolerance(out, mean.reshape({1, 4, 8}), bound));
}

// attention_into: any output strides with a unit last stride, an explicit
// scale, accumulation, and tiles that split both rows and head groups.
TEST(Attention, IntoStridedOutputAccumulatesAndScales) {
  const at::Tensor q = at::randn({2, 37, 3, 8}, at::kDouble);
  const at::Tensor k1 = at::randn({2, 29, 3, 8}, at::kDouble), v1 = at::randn_like(k1);
  const at::Tensor k2 = at::randn({2, 11, 3, 8}, at::kDouble), v2 = at::randn_like(k2);
  const double scale = 0.3;
  const at::Tensor expected = naive_attention(q * (scale * std::sqrt(8.0)), k1, v1) +
                              naive_attention(q * (scale * std::sqrt(8.0)), k2, v2);
  for (std::int64_t budget : {std::int64_t{1}, std::int64_t{29 * 40}, std::int64_t{1} << 20}) {
    // Head-major memory seen as [B, L, H, d]: strided, unit last stride.
    at::Tensor storage = at::empty({2, 3, 37, 8}, at::kDouble);
    at::Tensor out = storage.transpose(1, 2);
    wan::AttentionOptions options;
    options.scale = scale;
    options.max_score_elements = budget;
    wan::attention_into(out, q, k1, v1, options);
    options.accumulate = true;
    wan::attention_into(out, q, k2, v2, options);
    EXPECT_TRUE(at::allclose(out.reshape({2, 37, 24}), expected, 1e-10, 1e-12))
        << "budget " << budget;
  }
}

// LibTorch's fused kernel (what kAuto runs off the CPU, and for bfloat16 on
// it) computes the same attention: strided output, explicit scale,
// accumulation. The bound is the rounding of the computation: a d-term dot
// product, an exp and an Lk-term weighted sum, each a few ulps of its dtype
// on scores and values of magnitude ~|q||k|*scale and ~|v|.
TEST(Attention, FusedKernelMatchesTheDefinition) {
  for (const at::ScalarType dtype : {at::kDouble, at::kFloat}) {
    const std::int64_t d = 8, lk1 = 29, lk2 = 11;
    const at::Tensor q = at::randn({2, 37, 3, d}, at::kDouble);
    const at::Tensor k1 = at::randn({2, lk1, 3, d}, at::kDouble), v1 = at::randn_like(k1);
    const at::Tensor k2 = at::randn({2, lk2, 3, d}, at::kDouble), v2 = at::randn_like(k2);
    const double scale = 0.3;
    const at::Tensor expected = naive_attention(q * (scale * std::sqrt(8.0)), k1, v1) +
                                naive_attention(q * (scale * std::sqrt(8.0)), k2, v2);
    at::Tensor storage = at::empty({2, 3, 37, d}, dtype);
    at::Tensor out = storage.transpose(1, 2);
    wan::AttentionOptions options;
    options.scale = scale;
    options.kernel = wan::AttentionKernel::kFused;
    wan::attention_into(out, q.to(dtype), k1.to(dtype), v1.to(dtype), options);
    options.accumulate = true;
    wan::attention_into(out, q.to(dtype), k2.to(dtype), v2.to(dtype), options);
    const double eps = dtype == at::kDouble ? 2.2e-16 : 1.2e-7;
    const double magnitude = 1.0 + scale * (q.abs().max() * k1.abs().max()).item<double>() * d;
    const double tol = 4.0 * (d + lk1 + lk2) * eps * magnitude;
    const double err =
        (out.reshape({2, 37, 3 * d}).to(at::kDouble) - expected).abs().max().item<double>();
    EXPECT_LE(err, tol) << c10::toString(dtype);
  }
}

TEST(Attention, AutoKernelByDeviceAndDtype) {
  using wan::AttentionKernel;
  const at::Device cpu(at::kCPU), cuda(at::kCUDA, 0);
  EXPECT_EQ(wan::resolve_attention_kernel(AttentionKernel::kAuto, cuda, at::kFloat),
            AttentionKernel::kFused);
  EXPECT_EQ(wan::resolve_attention_kernel(AttentionKernel::kAuto, cpu, at::kBFloat16),
            AttentionKernel::kFused);
  EXPECT_EQ(wan::resolve_attention_kernel(AttentionKernel::kAuto, cpu, at::kFloat),
            AttentionKernel::kTiled);
  EXPECT_EQ(wan::resolve_attention_kernel(AttentionKernel::kTiled, cuda, at::kBFloat16),
            AttentionKernel::kTiled);
  for (const char* name : {"auto", "tiled", "fused"}) {
    EXPECT_STREQ(wan::attention_kernel_name(wan::parse_attention_kernel(name)), name);
  }
  EXPECT_THROW(wan::parse_attention_kernel("flash"), std::invalid_argument);
}

// bfloat16 through kAuto (the fused kernel on the CPU) and through the tiled
// kernel: both within bfloat16's rounding (8 bits: 2^-8 relative per operand)
// of the float64 definition on the same rounded inputs.
TEST(Attention, Bfloat16KernelsAgreeWithinBfloat16Rounding) {
  const at::Tensor q = at::randn({1, 40, 2, 16}).to(at::kBFloat16);
  const at::Tensor k = at::randn({1, 33, 2, 16}).to(at::kBFloat16), v = at::randn_like(k);
  const at::Tensor expected =
      naive_attention(q.to(at::kDouble), k.to(at::kDouble), v.to(at::kDouble));
  const double bound = 8.0 * std::ldexp(1.0, -8) * (1.0 + v.abs().max().item<double>());
  for (const auto kernel : {wan::AttentionKernel::kAuto, wan::AttentionKernel::kTiled}) {
    at::Tensor out = at::empty({1, 40, 2, 16}, at::kBFloat16);
    wan::AttentionOptions options;
    options.kernel = kernel;
    wan::attention_into(out, q, k, v, options);
    const double err =
        (out.reshape({1, 40, 32}).to(at::kDouble) - expected).abs().max().item<double>();
    EXPECT_LE(err, bound) << wan::attention_kernel_name(kernel);
  }
}

// The tiles shared out among LibTorch's threads (each with its own score
// tile and a single-threaded BLAS) give the one-thread result: uneven tile
// counts, batches, accumulation into a strided output, every CPU dtype.
// Within rounding: the tile height depends on the thread count, so the GEMMs
// differ in shape and may sum in other orders. Per call, a score sums d
// products whose absolute values add up to at most S = scale max(|q| |k|^T),
// and a score error moves the output (a softmax-weighted mean of v's rows) by
// at most 2 max|v| times itself; an output sums Lk weighted rows. So the two
// accumulated calls weigh 2 d S + Lk terms of magnitude 2 max|v|.
TEST(Attention, ThreadsShareTilesWithTheSameResult) {
  const int saved_threads = at::get_num_threads();
  const std::int64_t d = 16, lk = 33;
  for (const at::ScalarType dtype : {at::kDouble, at::kFloat, at::kBFloat16}) {
    const at::Tensor q = at::randn({2, 45, 5, d}).to(dtype);
    const at::Tensor k = at::randn({2, lk, 5, d}).to(dtype), v = at::randn_like(k);
    const at::Tensor q_abs = q.to(at::kDouble).abs().transpose(1, 2);  // [B, H, Lq, d]
    const at::Tensor k_abs = k.to(at::kDouble).abs().transpose(1, 2);
    const double abs_scores =
        max_abs(at::matmul(q_abs, k_abs.transpose(-1, -2))) / std::sqrt(static_cast<double>(d));
    const double tol = rounding_tolerance(dtype, 2.0 * d * abs_scores + lk, 2.0 * max_abs(v));
    for (std::int64_t budget : {std::int64_t{33 * 4}, std::int64_t{33 * 7 * 2}, std::int64_t{0}}) {
      wan::AttentionOptions options;
      options.kernel = wan::AttentionKernel::kTiled;  // kAuto is the fused kernel for bf16
      options.max_score_elements = budget;
      at::Tensor expected = at::zeros({2, 5, 45, 16}, dtype).transpose(1, 2);
      at::set_num_threads(1);
      wan::attention_into(expected, q, k, v, options);
      options.accumulate = true;
      wan::attention_into(expected, q, k * 0.5, v, options);
      at::set_num_threads(2);
      at::Tensor got = at::zeros({2, 5, 45, 16}, dtype).transpose(1, 2);
      options.accumulate = false;
      wan::attention_into(got, q, k, v, options);
      options.accumulate = true;
      wan::attention_into(got, q, k * 0.5, v, options);
      EXPECT_TRUE(within_tolerance(got, expected, tol))
          << c10::toString(dtype) << " budget " << budget;
    }
  }
  at::set_num_threads(saved_threads);
}

TEST(Attention, RejectsMismatchedShapes) {
  expect_error<std::invalid_argument>(
      [] {
        wan::attention(at::randn({1, 4, 2, 8}), at::randn({1, 5, 2, 4}), at::randn({1, 5, 2, 4}));
      },
      {"[1, 4, 2, 8]", "[1, 5, 2, 4]"});
}

// ---- loading ----

TEST(DitLoad, LoadsAndConvertsDtype) {
  const auto config = tiny_config();
  MemorySource source(random_dit_weights(config));
  wan::DitLoadOptions options;
  options.dtype = at::kBFloat16;
  auto dit = wan::WanDiT::load(source, config, options);
  EXPECT_EQ(dit.parameter("blocks.1.ffn.0.weight").scalar_type(), at::kBFloat16);
  EXPECT_EQ(dit.parameter("blocks.1.ffn.0.weight").sizes(), at::IntArrayRef({96, 48}));
  EXPECT_THROW(dit.parameter("blocks.9.ffn.0.weight"), std::invalid_argument);
}

TEST(DitLoad, AcceptsComfyPrefix) {
  const auto config = tiny_config();
  std::map<std::string, at::Tensor> prefixed;
  for (auto& [name, t] : random_dit_weights(config)) prefixed["model.diffusion_model." + name] = t;
  MemorySource source(prefixed);
  EXPECT_NO_THROW(wan::WanDiT::load(source, config));
}

TEST(DitLoad, ListsMissingTensors) {
  const auto config = tiny_config();
  auto weights = random_dit_weights(config);
  weights.erase("blocks.1.cross_attn.k_img.weight");
  weights.erase("head.modulation");
  MemorySource source(weights);
  expect_error<io::ContentError>(
      [&] { wan::WanDiT::load(source, config); },
      {"memory", "2 tensor(s)", "blocks.1.cross_attn.k_img.weight", "head.modulation"});
}

TEST(DitLoad, ConfigContradictingWeightsNamesTensorAndShapes) {
  MemorySource source(random_dit_weights(tiny_config(48, 2)));
  auto wide = tiny_config(96, 2);
  wide.ffn_dim = 96;  // so the FFN does not fail first
  expect_error<io::ContentError>(
      [&] { wan::WanDiT::load(source, wide); },
      {"patch_embedding.weight", "[48, 36, 1, 2, 2]", "[96, 36, 1, 2, 2]", "dim=96"});
}

TEST(DitLoad, RejectsExtraBlocksAndModelTypeMismatch) {
  auto config = tiny_config();
  MemorySource source(random_dit_weights(config));
  auto fewer = config;
  fewer.num_layers = 1;
  expect_error<io::ContentError>([&] { wan::WanDiT::load(source, fewer); },
                                 {"more blocks", "num_layers=1"});
  auto t2v = config;
  t2v.model_type = "t2v";
  t2v.in_dim = 16;
  expect_error<io::ContentError>([&] { wan::WanDiT::load(source, t2v); }, {"img_emb", "'t2v'"});
}

TEST(DitLoad, RejectsIntegerWeights) {
  const auto config = tiny_config();
  auto weights = random_dit_weights(config);
  weights["head.head.bias"] = at::zeros({64}, at::kLong);
  MemorySource source(weights);
  expect_error<io::ContentError>([&] { wan::WanDiT::load(source, config); }, {"head.head.bias"});
}

// ---- forward ----

class DitForward : public ::testing::Test {
 protected:
  void SetUp() override {
    at::manual_seed(7);
    config_ = tiny_config();
    source_ = MemorySource(random_dit_weights(config_, 3));
  }
  wan::DitConfig config_;
  MemorySource source_;
};

TEST_F(DitForward, OutputShapeAndPiecesAgree) {
  const auto dit = wan::WanDiT::load(source_, config_);
  const auto in = random_inputs(config_);
  const at::Tensor out = dit.forward(in);
  EXPECT_EQ(out.sizes(), in.latents.sizes());
  EXPECT_TRUE(at::isfinite(out).all().item<bool>());

  wan::DitCall call = dit.prepare(in);
  at::Tensor tokens = call.tokens;
  for (std::int64_t i = 0; i < config_.num_layers; ++i) dit.run_block(i, tokens, call);
  EXPECT_TRUE(at::equal(dit.unpatchify(dit.head(tokens, call), call.grid), out));
}

TEST_F(DitForward, PatchifyEqualsTheConvolution) {
  const auto dit = wan::WanDiT::load(source_, config_);
  auto in = random_inputs(config_, 1, 2, 4, 6, /*condition=*/false);
  const auto& w = source_.map();
  const at::Tensor conv = at::conv3d(at::cat({in.latents, in.y}, 1), w.at("patch_embedding.weight"),
                                     w.at("patch_embedding.bias"), {1, 2, 2});
  const at::Tensor expected = conv.flatten(2).transpose(1, 2);
  // A GEMM over the flattened patches against LibTorch's convolution: per
  // output the same products and the bias, summed by other kernels. Their
  // absolute values add up to the convolution of the absolute values.
  const at::Tensor& weight = w.at("patch_embedding.weight");
  const at::Tensor abs_sums = at::conv3d(at::cat({in.latents, in.y}, 1).abs(), weight.abs(),
                                         w.at("patch_embedding.bias").abs(), {1, 2, 2});
  const double tol = rounding_tolerance(at::kFloat, fan_in(weight.sizes()) + 1, max_abs(abs_sums));
  EXPECT_TRUE(within_tolerance(dit.prepare(in).tokens, expected, tol));
}

TEST_F(DitForward, ZeroConditionEqualsNoCondition) {
  const auto dit = wan::WanDiT::load(source_, config_);
  auto in = random_inputs(config_, 1, 2, 4, 6, false);
  const at::Tensor plain = dit.forward(in);
  in.add_condition = at::zeros({1, 12, config_.dim});
  EXPECT_TRUE(at::allclose(dit.forward(in), plain, 1e-6, 1e-6));
  // (a constant row would vanish in every LayerNorm, so use a random one)
  in.add_condition = at::randn({1, 12, config_.dim});
  EXPECT_FALSE(at::allclose(dit.forward(in), plain, 1e-3, 1e-3));
}

TEST_F(DitForward, BatchEqualsSeparateCalls) {
  const auto dit = wan::WanDiT::load(source_, config_);
  const auto in = random_inputs(config_, 2);
  const at::Tensor both = dit.forward(in);
  for (std::int64_t b = 0; b < 2; ++b) {
    wan::DitInputs one = in;
    one.latents = in.latents.narrow(0, b, 1);
    one.y = in.y.narrow(0, b, 1);
    one.text_context = in.text_context.narrow(0, b, 1);
    one.clip_feature = in.clip_feature.narrow(0, b, 1);
    one.add_condition = in.add_condition.narrow(0, b, 1);
    // Products over one batch entry or two (and the two-entry modulation path)
    // may round differently.
    const at::Tensor expected = both.narrow(0, b, 1);
    EXPECT_TRUE(within_tolerance(dit.forward(one), expected,
                                 dit_forward_tolerance(config_, one, expected)));
  }
}

TEST_F(DitForward, ChunkedFfnEqualsWhole) {
  auto dit = wan::WanDiT::load(source_, config_);
  const auto in = random_inputs(config_);
  dit.set_ffn_token_chunk(0);
  const at::Tensor whole = dit.forward(in);
  // The FFN's GEMMs over 5-token chunks and over all 12 tokens may sum in
  // other orders; a wrong chunk boundary would change whole tokens, O(1).
  const double tol = dit_forward_tolerance(config_, in, whole);
  dit.set_ffn_token_chunk(5);
  EXPECT_TRUE(within_tolerance(dit.forward(in), whole, tol));
  dit.set_ffn_token_chunk(-1);  // automatic
  EXPECT_TRUE(within_tolerance(dit.forward(in), whole, tol));
}

// The in-memory factory (benchmarks): right shapes and dtype, a model that
// runs, and repeated calls (which reuse the call's scratch buffers) agree.
TEST_F(DitForward, RandomWeightsFactoryAndRepeatedCalls) {
  wan::DitLoadOptions options;
  options.dtype = at::kBFloat16;
  wan::WanDiT dit(config_, wan::make_random_dit_weights(config_, options, 3), options);
  dit.for_each_parameter([](const std::string& name, at::Tensor& t) {
    EXPECT_EQ(t.scalar_type(), at::kBFloat16) << name;
  });
  const auto in = random_inputs(config_);
  const at::Tensor first = dit.forward(in);
  EXPECT_TRUE(at::isfinite(first).all().item<bool>());
  EXPECT_TRUE(at::equal(dit.forward(in), first));
  // Same seed, same float32 values before conversion.
  const wan::DitWeights a = wan::make_random_dit_weights(config_, {}, 3);
  const wan::DitWeights b = wan::make_random_dit_weights(config_, {}, 3);
  EXPECT_TRUE(at::equal(a.blocks[1].ffn_in.weight, b.blocks[1].ffn_in.weight));
}

TEST_F(DitForward, Bfloat16IsCloseToFloat32) {
  const auto in = random_inputs(config_);
  const at::Tensor reference = wan::WanDiT::load(source_, config_).forward(in);
  wan::DitLoadOptions options;
  options.dtype = at::kBFloat16;
  const at::Tensor low = wan::WanDiT::load(source_, config_, options).forward(in);
  EXPECT_EQ(low.scalar_type(), at::kBFloat16);
  const double err = (low.to(at::kFloat) - reference).abs().max().item<double>();
  EXPECT_LT(err, 0.1 * reference.abs().max().item<double>());
}

TEST_F(DitForward, RejectsBadInputsBeforeCompute) {
  const auto dit = wan::WanDiT::load(source_, config_);
  auto bad = random_inputs(config_);
  bad.y = at::randn({1, 19, 2, 4, 6});
  expect_error<std::invalid_argument>([&] { dit.forward(bad); }, {"35 channels", "in_dim is 36"});
  bad = random_inputs(config_);
  bad.add_condition = at::randn({1, 11, config_.dim});
  expect_error<std::invalid_argument>([&] { dit.forward(bad); },
                                      {"add_condition", "[1, 12, 48]", "[1, 11, 48]"});
  bad = random_inputs(config_);
  bad.text_context = at::randn({1, 7, 33});
  expect_error<std::invalid_argument>([&] { dit.forward(bad); }, {"text_context", "[1, 7, 33]"});
  bad = random_inputs(config_, 1, 2, 5, 6);
  expect_error<std::invalid_argument>([&] { dit.forward(bad); }, {"patch_size"});
  bad = random_inputs(config_);
  bad.clip_feature = at::Tensor();
  expect_error<std::invalid_argument>([&] { dit.forward(bad); }, {"clip_feature", "none"});
  bad = random_inputs(config_);
  bad.timestep = at::ones({3});
  expect_error<std::invalid_argument>([&] { dit.forward(bad); }, {"timestep"});
}

TEST(DitTextToVideo, RunsWithoutImageInputs) {
  auto config = tiny_config();
  config.model_type = "t2v";
  config.in_dim = 16;
  MemorySource source(random_dit_weights(config));
  const auto dit = wan::WanDiT::load(source, config);
  auto in = random_inputs(config);
  in.y = at::Tensor();
  in.clip_feature = at::Tensor();
  EXPECT_EQ(dit.forward(in).sizes(), in.latents.sizes());
}

TEST(DitTime, SinusoidIsCosThenSin) {
  const at::Tensor e = wan::sinusoidal_embedding(at::full({1}, 2.0), 8);
  EXPECT_EQ(e.scalar_type(), at::kDouble);
  EXPECT_DOUBLE_EQ(e[0][0].item<double>(), std::cos(2.0));
  EXPECT_DOUBLE_EQ(e[0][4].item<double>(), std::sin(2.0));
  EXPECT_NEAR(e[0][1].item<double>(), std::cos(2.0 * std::pow(10000.0, -0.25)), 1e-15);
}

}  // namespace
}  // namespace animate
