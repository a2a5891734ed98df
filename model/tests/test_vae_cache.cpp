// Feature-cache semantics of the causal convs (spec: wan_components.md 1.4),
// each checked against a whole-sequence computation stated in the test.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <vector>

#include "model/tests/test_tolerance.h"
#include "model/wan/vae_causal_conv.h"
#include "model/wan/vae_feature_cache.h"

namespace animate::wan {
namespace {

using animate::testing::fan_in;
using animate::testing::max_abs;
using animate::testing::rounding_tolerance;
using animate::testing::within_tolerance;

VaeConvWeights random_conv(std::int64_t out, std::int64_t in, std::int64_t kt, std::int64_t ks,
                           std::uint64_t seed) {
  at::manual_seed(seed);
  return {at::randn({out, in, kt, ks, ks}) * 0.3, at::randn({out}) * 0.1};
}

// Bound on the difference between two computations of `conv` on the same
// input (`padded` as the whole-sequence conv sees it): whole or in chunks,
// padding concatenated or left to the kernel, so other shapes and kernels
// that may sum in other orders. Each output sums in x kernel volume products
// and the bias; their absolute values add up to the convolution of the
// absolute values.
double conv_tolerance(const at::Tensor& padded, const VaeConvWeights& conv,
                      at::IntArrayRef stride = {1, 1, 1}) {
  const at::Tensor abs_sums = at::conv3d(padded.abs(), conv.weight.abs(), conv.bias.abs(), stride);
  return rounding_tolerance(padded.scalar_type(), fan_in(conv.weight.sizes()) + 1,
                            max_abs(abs_sums));
}

// Runs `op` over consecutive chunks of x along T and concatenates the results.
template <typename Op>
at::Tensor run_chunks(const at::Tensor& x, const std::vector<std::int64_t>& sizes, Op&& op) {
  std::vector<at::Tensor> outs;
  std::int64_t start = 0;
  for (std::int64_t size : sizes) {
    outs.push_back(op(x.narrow(2, start, size)));
    start += size;
  }
  EXPECT_EQ(start, x.size(2));
  return at::cat(outs, 2);
}

TEST(VaeCausalConvTest, CachedChunksEqualOneCausalPass) {
  at::manual_seed(0);
  const at::Tensor x = at::randn({1, 3, 9, 5, 6});
  const VaeConvWeights conv = random_conv(4, 3, 3, 3, 1);
  // Whole sequence: two zero frames in front, spatial zero padding 1.
  const at::Tensor padded = at::constant_pad_nd(x, {1, 1, 1, 1, 2, 0});
  const at::Tensor whole = at::conv3d(padded, conv.weight, conv.bias);
  const double tol = conv_tolerance(padded, conv);
  EXPECT_TRUE(within_tolerance(causal_conv3d(x, conv), whole, tol));
  for (const auto& sizes : std::vector<std::vector<std::int64_t>>{
           {1, 4, 4}, {1, 1, 1, 1, 1, 1, 1, 1, 1}, {2, 3, 4}, {9}, {1, 2, 1, 5}}) {
    VaeCacheSlot slot;
    const at::Tensor chunked = run_chunks(
        x, sizes, [&](const at::Tensor& c) { return cached_causal_conv3d(c, conv, slot); });
    EXPECT_TRUE(within_tolerance(chunked, whole, tol)) << "chunks of " << sizes.size();
    // The slot keeps exactly the last two input frames.
    ASSERT_EQ(slot.frames.size(2), 2);
    EXPECT_TRUE(at::equal(slot.frames, x.narrow(2, 7, 2)));
  }
}

TEST(VaeCausalConvTest, OneFrameChunkCachesPreviousLastFrame) {
  at::manual_seed(1);
  const at::Tensor x = at::randn({1, 2, 3, 4, 4});
  const VaeConvWeights conv = random_conv(2, 2, 3, 3, 2);
  VaeCacheSlot slot;
  cached_causal_conv3d(x.narrow(2, 0, 1), conv, slot);
  EXPECT_EQ(slot.frames.size(2), 1);  // nothing before frame 0
  cached_causal_conv3d(x.narrow(2, 1, 1), conv, slot);
  EXPECT_TRUE(at::equal(slot.frames, x.narrow(2, 0, 2)));
  cached_causal_conv3d(x.narrow(2, 2, 1), conv, slot);
  EXPECT_TRUE(at::equal(slot.frames, x.narrow(2, 1, 2)));
  // The cache owns its frames instead of viewing the caller's chunk.
  EXPECT_EQ(slot.frames.storage().nbytes(), static_cast<std::size_t>(slot.frames.numel()) * 4);
}

TEST(VaeCausalConvTest, TimeDownsamplePassesFrameZeroThenStrides) {
  at::manual_seed(2);
  const at::Tensor x = at::randn({1, 3, 9, 4, 4});
  const VaeConvWeights conv = random_conv(3, 3, 3, 1, 3);
  VaeCacheSlot slot;
  const at::Tensor chunked = run_chunks(
      x, {1, 4, 4}, [&](const at::Tensor& c) { return cached_time_downsample(c, conv, slot); });
  // Frame 0 unchanged, then windows (0,1,2), (2,3,4), (4,5,6), (6,7,8).
  const at::Tensor expected =
      at::cat({x.narrow(2, 0, 1), at::conv3d(x, conv.weight, conv.bias, {2, 1, 1})}, 2);
  ASSERT_EQ(chunked.sizes(), expected.sizes());
  EXPECT_TRUE(within_tolerance(chunked, expected, conv_tolerance(x, conv, {2, 1, 1})));
  EXPECT_TRUE(at::equal(slot.frames, x.narrow(2, 8, 1)));
}

TEST(VaeCausalConvTest, TimeUpsampleSkipsFirstAndStartsFromZeros) {
  at::manual_seed(3);
  const std::int64_t c = 3;
  const at::Tensor x = at::randn({1, c, 5, 2, 3});
  const VaeConvWeights conv = random_conv(2 * c, c, 3, 1, 4);
  for (const auto& sizes : std::vector<std::vector<std::int64_t>>{{1, 1, 1, 1, 1}, {1, 2, 2}}) {
    VaeCacheSlot slot;
    const at::Tensor chunked = run_chunks(
        x, sizes, [&](const at::Tensor& chunk) { return cached_time_upsample(chunk, conv, slot); });
    // Frame 0 passes untouched; frames 1.. see a causal conv over x[1:] alone
    // (frame 0 is replaced by zeros), channel halves interleaved in time.
    const at::Tensor padded = at::constant_pad_nd(x.narrow(2, 1, 4), {0, 0, 0, 0, 2, 0});
    const at::Tensor rest = at::conv3d(padded, conv.weight, conv.bias);
    std::vector<at::Tensor> frames{x.narrow(2, 0, 1)};
    for (std::int64_t t = 0; t < 4; ++t) {
      frames.push_back(rest.narrow(1, 0, c).narrow(2, t, 1));
      frames.push_back(rest.narrow(1, c, c).narrow(2, t, 1));
    }
    const at::Tensor expected = at::cat(frames, 2);
    ASSERT_EQ(chunked.sizes(), expected.sizes());
    EXPECT_TRUE(within_tolerance(chunked, expected, conv_tolerance(padded, conv)));
  }
}

TEST(VaeFeatureCacheTest, SlotsAreRevisitedInOrderPerChunk) {
  VaeFeatureCache cache;
  cache.begin_chunk();
  cache.next_slot().frames = at::zeros({1, 2, 2, 3, 3});
  cache.next_slot().frames = at::zeros({1, 1, 1, 1, 1});
  EXPECT_EQ(cache.slot_count(), 2u);
  EXPECT_EQ(cache.bytes(), (36u + 1u) * 4u);
  cache.begin_chunk();
  EXPECT_EQ(cache.next_slot().frames.size(1), 2);
  EXPECT_EQ(cache.next_slot().frames.size(1), 1);
  cache.clear();
  EXPECT_EQ(cache.slot_count(), 0u);
}

}  // namespace
}  // namespace animate::wan
