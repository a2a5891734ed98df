// umT5: relative position buckets against the hand-computed table, config
// inference and weight checks, the context shortcut, and the prompt cache.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <memory>

#include "model/io/error.h"
#include "model/tests/test_encoders_support.h"
#include "model/tests/test_tolerance.h"
#include "model/wan/t5_encoder.h"
#include "model/wan/t5_prompt_cache.h"
#include "model/wan/t5_relative_position.h"

namespace animate::wan {
namespace {

using animate::testing::fan_in;
using animate::testing::max_abs;
using animate::testing::rounding_tolerance;
using animate::testing::within_tolerance;

TEST(T5RelativePosition, MatchesTheHandComputedBidirectionalTable) {
  // {first rel, last rel, bucket}: 32 buckets, max distance 128.
  const std::vector<std::array<std::int64_t, 3>> table = {
      {0, 0, 0},      {-8, -11, 8},   {-12, -15, 9},  {-16, -22, 10},   {-23, -31, 11},
      {-32, -45, 12}, {-46, -63, 13}, {-64, -90, 14}, {-91, -2000, 15}, {8, 11, 24},
      {12, 15, 25},   {16, 22, 26},   {23, 31, 27},   {32, 45, 28},     {46, 63, 29},
      {64, 90, 30},   {91, 2000, 31}};
  for (const auto& [first, last, bucket] : table) {
    const std::int64_t step = first <= last ? 1 : -1;
    for (std::int64_t rel = first; rel != last + step; rel += step) {
      EXPECT_EQ(relative_position_bucket(rel, 32, 128), bucket) << "rel " << rel;
    }
  }
  for (std::int64_t n = 1; n <= 7; ++n) {
    EXPECT_EQ(relative_position_bucket(-n, 32, 128), n);
    EXPECT_EQ(relative_position_bucket(n, 32, 128), 16 + n);
  }
}

TEST(T5RelativePosition, MatrixHoldsTheBucketOfKeyMinusQuery) {
  const at::Tensor buckets = relative_position_buckets(3, 5, 32, 128);
  ASSERT_EQ(buckets.sizes(), (at::IntArrayRef{3, 5}));
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 5; ++j) {
      EXPECT_EQ(buckets[i][j].item<std::int64_t>(), relative_position_bucket(j - i, 32, 128));
    }
  }
  EXPECT_THROW(relative_position_bucket(5, 2, 128), std::invalid_argument);
}

std::map<std::string, at::Tensor> tiny_t5(std::int64_t dim = 16, std::int64_t layers = 2,
                                          bool shared = false) {
  const std::int64_t heads = 2, ffn = 24, vocab = 30, buckets = 32;
  std::map<std::string, at::Tensor> w;
  w["token_embedding.weight"] = at::randn({vocab, dim}).to(at::kBFloat16);
  if (shared) w["pos_embedding.embedding.weight"] = at::randn({buckets, heads});
  for (std::int64_t i = 0; i < layers; ++i) {
    const std::string p = "blocks." + std::to_string(i) + ".";
    w[p + "norm1.weight"] = at::ones({dim});
    w[p + "norm2.weight"] = at::ones({dim});
    for (const char* name : {"q", "k", "v", "o"}) {
      w[p + "attn." + name + ".weight"] = at::randn({dim, dim}) * 0.1;
    }
    w[p + "ffn.gate.0.weight"] = at::randn({ffn, dim}) * 0.2;
    w[p + "ffn.fc1.weight"] = at::randn({ffn, dim}) * 0.2;
    w[p + "ffn.fc2.weight"] = at::randn({dim, ffn}) * 0.2;
    if (!shared) w[p + "pos_embedding.embedding.weight"] = at::randn({buckets, heads});
  }
  w["norm.weight"] = at::ones({dim});
  return w;
}

io::CheckpointView view_of(std::map<std::string, at::Tensor> tensors) {
  return io::CheckpointView({std::make_shared<test::MemorySource>(std::move(tensors))});
}

// The summed reduction length of a forward pass over `length` tokens: the
// fan-in of every projection (the embedding tables are lookups, not products)
// plus, per layer, the attention's sums (head_dim products per score, `length`
// keys per output).
double t5_reduction_length(const std::map<std::string, at::Tensor>& weights,
                           const T5EncoderConfig& config, std::int64_t length) {
  double terms = 0.0;
  for (const auto& [name, t] : weights) {
    if (t.dim() >= 2 && name.find("embedding") == std::string::npos) {
      terms += static_cast<double>(fan_in(t.sizes()));
    }
  }
  return terms + static_cast<double>(config.num_layers * (config.head_dim() + length));
}

TEST(T5Config, InfersShapesFromTheWeights) {
  const T5EncoderConfig config = T5EncoderConfig::infer(view_of(tiny_t5()));
  EXPECT_EQ(config.vocab, 30);
  EXPECT_EQ(config.dim, 16);
  EXPECT_EQ(config.dim_attn, 16);
  EXPECT_EQ(config.dim_ffn, 24);
  EXPECT_EQ(config.num_heads, 2);
  EXPECT_EQ(config.num_layers, 2);
  EXPECT_EQ(config.num_buckets, 32);
  EXPECT_FALSE(config.shared_pos);
  EXPECT_TRUE(T5EncoderConfig::infer(view_of(tiny_t5(16, 2, true))).shared_pos);
  EXPECT_TRUE(config_differences(config, config).empty());
  EXPECT_EQ(config_differences(config, T5EncoderConfig::umt5_xxl()).size(), 6u);
}

TEST(T5Encoder, RefusesWeightsThatContradictTheConfig) {
  const auto weights = view_of(tiny_t5());
  T5EncoderConfig config = T5EncoderConfig::infer(weights);
  T5EncoderConfig wrong_ffn = config;
  wrong_ffn.dim_ffn = 32;
  EXPECT_THROW(T5Encoder::load(weights, wrong_ffn), io::ContentError);
  T5EncoderConfig more_layers = config;
  more_layers.num_layers = 3;
  EXPECT_THROW(T5Encoder::load(weights, more_layers), io::ContentError);
  T5EncoderConfig bad_heads = config;
  bad_heads.num_heads = 3;
  EXPECT_THROW(T5Encoder::load(weights, bad_heads), std::invalid_argument);
  EXPECT_THROW(T5Encoder::load(weights, T5EncoderConfig::umt5_xxl()), io::ContentError);
}

TEST(T5Encoder, PaddedKeysDoNotReachRealRowsAndContextZeroesPadding) {
  const auto tensors = tiny_t5();
  const auto weights = view_of(tensors);
  const T5EncoderConfig config = T5EncoderConfig::infer(weights);
  const T5Encoder encoder = T5Encoder::load(weights, config);
  at::Tensor ids = at::zeros({1, 12}, at::kLong);
  at::Tensor mask = at::zeros({1, 12}, at::kLong);
  for (int t = 0; t < 5; ++t) {
    ids[0][t] = 3 + t;
    mask[0][t] = 1;
  }
  const at::Tensor hidden = encoder.forward(ids, mask);
  EXPECT_EQ(hidden.sizes(), (at::IntArrayRef{1, 12, 16}));
  // Other padding ids change nothing in the real rows.
  at::Tensor other_ids = ids.clone();
  other_ids.slice(1, 5).fill_(7);
  EXPECT_TRUE(at::allclose(encoder.forward(other_ids, mask).slice(1, 0, 5), hidden.slice(1, 0, 5),
                           1e-5, 1e-6));
  // The context runs the 5 real tokens alone, not 12 with 7 masked: other
  // GEMM shapes, whose sums may round differently along the whole pass.
  const at::Tensor context = encoder.encode_context(ids, mask);
  const double tol = rounding_tolerance(at::kFloat, t5_reduction_length(tensors, config, 12),
                                        max_abs(hidden.slice(1, 0, 5)));
  EXPECT_TRUE(within_tolerance(context.slice(1, 0, 5), hidden.slice(1, 0, 5), tol));
  EXPECT_EQ(context.slice(1, 5).abs().sum().item<float>(), 0.0f);
  // A mask with a hole takes the full-length path; rows >= seq_len are zero.
  at::Tensor holey = mask.clone();
  holey[0][1] = 0;
  const at::Tensor holey_context = encoder.encode_context(ids, holey);
  EXPECT_EQ(holey_context.slice(1, 4).abs().sum().item<float>(), 0.0f);
  EXPECT_THROW(encoder.forward(at::full({1, 3}, 30, at::kLong), at::ones({1, 3}, at::kLong)),
               std::invalid_argument);
}

TEST(T5Encoder, RunsInBfloat16) {
  const auto weights = view_of(tiny_t5(16, 1, true));
  const T5EncoderConfig config = T5EncoderConfig::infer(weights);
  const T5Encoder fp32 = T5Encoder::load(weights, config);
  const T5Encoder bf16 = T5Encoder::load(weights, config, {at::kBFloat16});
  const at::Tensor ids = at::arange(1, 9, at::kLong).unsqueeze(0);
  const at::Tensor mask = at::ones({1, 8}, at::kLong);
  const at::Tensor low = bf16.forward(ids, mask);
  EXPECT_EQ(low.scalar_type(), at::kBFloat16);
  EXPECT_TRUE(at::allclose(low.to(at::kFloat), fp32.forward(ids, mask), 0.1, 0.1));
}

TEST(PromptCache, EvictsTheLeastRecentlyUsedPrompt) {
  PromptCache cache(2);
  int encodes = 0;
  auto encode = [&](const std::string& prompt) {
    ++encodes;
    return at::full({1}, static_cast<double>(prompt.size()));
  };
  cache.get_or_encode("a", encode);
  cache.get_or_encode("bb", encode);
  EXPECT_EQ(cache.get_or_encode("a", encode).item<float>(), 1.0f);  // hit, "a" most recent
  cache.get_or_encode("ccc", encode);                               // evicts "bb"
  EXPECT_EQ(encodes, 3);
  EXPECT_TRUE(cache.find("a").has_value());
  EXPECT_FALSE(cache.find("bb").has_value());
  EXPECT_EQ(cache.size(), 2u);
  const auto stats = cache.stats();
  EXPECT_EQ(stats.evictions, 1u);
  EXPECT_EQ(stats.hits, 2u);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
}

TEST(PromptCache, ZeroCapacityNeverStoresAndFailuresStoreNothing) {
  PromptCache disabled(0);
  int encodes = 0;
  auto encode = [&](const std::string&) {
    ++encodes;
    return at::ones({1});
  };
  disabled.get_or_encode("x", encode);
  disabled.get_or_encode("x", encode);
  EXPECT_EQ(encodes, 2);
  PromptCache cache(4);
  EXPECT_THROW(cache.get_or_encode(
                   "bad", [](const std::string&) -> at::Tensor { throw std::runtime_error("x"); }),
               std::runtime_error);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace animate::wan
