// UniAnimate pose encoders: input preparation, shapes, bf16 rounding, errors.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <string>

#include "model/io/error.h"
#include "model/tests/test_dit_support.h"
#include "model/unianimate/pose_encoders.h"

namespace animate {
namespace {

using testing::fan_in;
using testing::machine_epsilon;
using testing::max_abs;
using testing::MemorySource;
using testing::rounding_tolerance;
using testing::within_tolerance;

std::map<std::string, at::Tensor> pose_nets(std::int64_t dim, const std::string& prefix = "") {
  at::manual_seed(5);
  std::map<std::string, at::Tensor> t;
  std::int64_t in = 3;
  for (int i = 0; i <= 12; i += 2) {
    const std::int64_t out = i == 12 ? dim : 16;
    const std::vector<std::int64_t> kernel =
        i == 12 ? std::vector<std::int64_t>{1, 2, 2} : std::vector<std::int64_t>{3, 3, 3};
    t[prefix + "dwpose_embedding." + std::to_string(i) + ".weight"] =
        at::randn({out, in, kernel[0], kernel[1], kernel[2]}) * 0.1;
    t[prefix + "dwpose_embedding." + std::to_string(i) + ".bias"] = at::randn({out}) * 0.1;
    in = out;
  }
  in = 3;
  for (int i = 0; i <= 10; i += 2) {
    const std::int64_t out = i == 10 ? 20 : 16;
    t[prefix + "randomref_embedding_pose." + std::to_string(i) + ".weight"] =
        at::randn({out, in, 3, 3}) * 0.1;
    t[prefix + "randomref_embedding_pose." + std::to_string(i) + ".bias"] = at::randn({out}) * 0.1;
    in = out;
  }
  return t;
}

// Bound on the difference of two float32 runs of the dwpose conv stack that
// cut it differently (time chunks against whole convolutions): every conv's
// sums (in channels x kernel volume products) may round differently and, in
// the worst case, the errors add up along the stack, relative to the values'
// scale (the weights keep activations at about the output's scale).
double pose_stack_tolerance(const std::map<std::string, at::Tensor>& nets,
                            const at::Tensor& features) {
  double terms = 0.0;
  for (const auto& [name, t] : nets) {
    const bool conv = name.find("dwpose_embedding.") != std::string::npos && name.size() > 7 &&
                      name.compare(name.size() - 7, 7, ".weight") == 0;
    if (conv) terms += static_cast<double>(fan_in(t.sizes()));
  }
  return rounding_tolerance(at::kFloat, terms, max_abs(features));
}

// Tokens are the features rounded to bfloat16: where the float32 features
// differ by up to `tolerance`, their roundings may land one bfloat16 unit
// (at most 2^-7 of the value) apart.
double pose_token_tolerance(const at::Tensor& features, double tolerance) {
  return tolerance + machine_epsilon(at::kBFloat16) * max_abs(features);
}

TEST(PoseEncoder, PreparesRepeatsFirstFrameAndFlattens) {
  MemorySource source(pose_nets(24, "pipe."));
  const auto encoder = unianimate::PoseEncoder::load(source);
  EXPECT_EQ(encoder.dim(), 24);
  const at::Tensor frames = at::randint(0, 256, {1, 3, 9, 32, 48}).to(at::kFloat);
  const at::Tensor tokens = encoder.encode(frames);
  EXPECT_EQ(tokens.sizes(), at::IntArrayRef({1, 3 * 2 * 3, 24}));
  // Values are bf16 numbers.
  EXPECT_TRUE(at::equal(tokens, tokens.to(at::kBFloat16).to(at::kFloat)));

  // Reference composition with explicit layers.
  const auto& w = source.map();
  at::Tensor x = at::cat({frames.narrow(2, 0, 1).repeat({1, 1, 3, 1, 1}), frames}, 2) / 255.0;
  const std::vector<std::vector<std::int64_t>> strides = {
      {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 2, 2}, {2, 2, 2}, {2, 2, 2}, {1, 2, 2}};
  for (int i = 0; i < 7; ++i) {
    const std::string p = "pipe.dwpose_embedding." + std::to_string(2 * i);
    x = at::conv3d(
        x, w.at(p + ".weight"), w.at(p + ".bias"), strides[i],
        i == 6 ? std::vector<std::int64_t>{0, 0, 0} : std::vector<std::int64_t>{1, 1, 1});
    if (i < 6) x = at::silu(x);
  }
  // The encoder streams the convs over time chunks (8 frames by default).
  const double tol = pose_stack_tolerance(w, x);
  EXPECT_TRUE(within_tolerance(encoder.features(frames), x, tol));
  const at::Tensor expected = x.flatten(2).transpose(1, 2).to(at::kBFloat16).to(at::kFloat);
  EXPECT_TRUE(within_tolerance(tokens, expected, pose_token_tolerance(x, tol)));
}

// Streaming the conv stack over time chunks (bounded memory) gives the
// unchunked result for every chunk size, including ones that split the
// stride-2 convs' windows and chunks of a single frame.
TEST(PoseEncoder, TimeChunkedEqualsUnchunked) {
  MemorySource source(pose_nets(24));
  unianimate::PoseEncoderOptions options;
  options.time_chunk = 0;
  auto encoder = unianimate::PoseEncoder::load(source, options);
  at::manual_seed(11);
  const at::Tensor frames = at::rand({2, 3, 17, 32, 48}) * 255;
  const at::Tensor whole = encoder.features(frames);
  const at::Tensor whole_tokens = encoder.encode(frames);
  ASSERT_EQ(whole.sizes(), at::IntArrayRef({2, 24, 5, 2, 3}));
  const double tol = pose_stack_tolerance(source.map(), whole);
  for (std::int64_t chunk : {1, 2, 3, 5, 8, 19, 20, 64}) {
    encoder.set_time_chunk(chunk);
    const at::Tensor chunked = encoder.features(frames);
    ASSERT_EQ(chunked.sizes(), whole.sizes()) << "chunk " << chunk;
    EXPECT_TRUE(within_tolerance(chunked, whole, tol)) << "chunk " << chunk;
    const at::Tensor tokens = encoder.encode(frames);
    // bf16 rounding may flip only where the float32 values differ in the last bits.
    EXPECT_TRUE(within_tolerance(tokens, whole_tokens, pose_token_tolerance(whole, tol)))
        << "chunk " << chunk;
    EXPECT_GE((tokens == whole_tokens).to(at::kFloat).mean().item<double>(), 0.99);
  }
}

TEST(PoseEncoder, RejectsBadFrameCounts) {
  MemorySource source(pose_nets(24));
  const auto encoder = unianimate::PoseEncoder::load(source);
  EXPECT_THROW(encoder.encode(at::zeros({1, 3, 8, 32, 48})), std::invalid_argument);
  EXPECT_THROW(encoder.encode(at::zeros({1, 3, 9, 40, 48})), std::invalid_argument);
  EXPECT_THROW(encoder.encode(at::zeros({1, 4, 9, 32, 48})), std::invalid_argument);
}

TEST(PoseEncoder, MissingOrMisshapenLayersFail) {
  auto nets = pose_nets(24);
  nets.erase("dwpose_embedding.8.bias");
  MemorySource missing(nets);
  try {
    unianimate::PoseEncoder::load(missing);
    ADD_FAILURE();
  } catch (const io::ContentError& e) {
    EXPECT_NE(std::string(e.what()).find("dwpose_embedding.8.bias"), std::string::npos);
  }
  nets = pose_nets(24);
  nets["dwpose_embedding.6.weight"] = at::randn({16, 16, 3, 3, 1});
  MemorySource misshapen(nets);
  try {
    unianimate::PoseEncoder::load(misshapen);
    ADD_FAILURE();
  } catch (const io::ContentError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("dwpose_embedding.6.weight"), std::string::npos) << what;
    EXPECT_NE(what.find("[16, 16, 3, 3, 1]"), std::string::npos) << what;
    EXPECT_NE(what.find("[16, 16, 3, 3, 3]"), std::string::npos) << what;
  }
}

TEST(RefPoseEncoder, Uint8AndFloatInputsAgree) {
  MemorySource source(pose_nets(24));
  const auto encoder = unianimate::RefPoseEncoder::load(source);
  EXPECT_EQ(encoder.channels(), 20);
  const at::Tensor image = at::randint(0, 256, {16, 24, 3}).to(at::kByte);
  const at::Tensor from_u8 = encoder.encode(image);
  EXPECT_EQ(from_u8.sizes(), at::IntArrayRef({1, 20, 1, 2, 3}));
  const at::Tensor from_float =
      encoder.encode(image.to(at::kFloat).permute({2, 0, 1}).unsqueeze(0));
  EXPECT_TRUE(at::equal(from_u8, from_float));
  EXPECT_TRUE(at::equal(from_u8, from_u8.to(at::kBFloat16).to(at::kFloat)));
  EXPECT_THROW(encoder.encode(at::zeros({12, 24, 3}, at::kByte)), std::invalid_argument);
  EXPECT_THROW(encoder.encode(at::zeros({16, 24, 4}, at::kByte)), std::invalid_argument);
}

}  // namespace
}  // namespace animate
