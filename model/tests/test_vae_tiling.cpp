// DiffSynth spatial tiling: tile plans, blend ramps, and tiled encode/decode
// against a per-tile reference computation.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <vector>

#include "model/tests/test_tolerance.h"
#include "model/wan/vae.h"
#include "model/wan/vae_tiling.h"
#include "test_vae_support.h"

namespace animate::wan {
namespace {

using animate::testing::max_abs;
using animate::testing::rounding_tolerance;
using animate::testing::within_tolerance;

std::vector<std::vector<std::int64_t>> as_lists(const std::vector<VaeTile>& tiles) {
  std::vector<std::vector<std::int64_t>> lists;
  for (const auto& t : tiles) lists.push_back({t.h0, t.h1, t.w0, t.w1});
  return lists;
}

const WanVae& tiny_vae() {
  static const WanVae shared = [] {
    const VaeConfig config = testing::tiny_vae_config(3);
    return WanVae(config, testing::random_vae_weights(config, 21));
  }();
  return shared;
}

// Blend weights written out independently of the implementation: linear
// ramps of `border` entries on the sides that are not image borders.
at::Tensor reference_mask(std::int64_t oh, std::int64_t ow, const VaeTile& tile,
                          std::int64_t border_h, std::int64_t border_w) {
  at::Tensor mask = at::ones({oh, ow});
  for (std::int64_t i = 0; i < oh; ++i) {
    for (std::int64_t j = 0; j < ow; ++j) {
      float wh = 1.0f, ww = 1.0f;
      if (!tile.top && i < border_h) wh = static_cast<float>(i + 1) / border_h;
      if (!tile.bottom && oh - 1 - i < border_h) wh = static_cast<float>(oh - i) / border_h;
      if (!tile.left && j < border_w) ww = static_cast<float>(j + 1) / border_w;
      if (!tile.right && ow - 1 - j < border_w) ww = static_cast<float>(ow - j) / border_w;
      mask[i][j] = std::min(wh, ww);
    }
  }
  return mask;
}

TEST(VaeTilingTest, PipelineTilePlans) {
  const auto p480 = plan_vae_tiles(60, 104, 30, 52, 15, 26);
  ASSERT_EQ(p480.size(), 9u);
  EXPECT_EQ(as_lists(p480)[4], (std::vector<std::int64_t>{15, 45, 26, 78}));
  EXPECT_EQ(as_lists(p480)[8], (std::vector<std::int64_t>{30, 60, 52, 104}));
  EXPECT_TRUE(p480[8].bottom && p480[8].right && !p480[8].top && !p480[8].left);

  const auto p720 = plan_vae_tiles(90, 160, 30, 52, 15, 26);
  ASSERT_EQ(p720.size(), 30u);
  EXPECT_EQ(as_lists(p720).back(), (std::vector<std::int64_t>{60, 90, 130, 160}));  // clipped to 30

  // The golden vae_decode_tiled plan: 6x8 latent, size 4, stride (2, 3).
  EXPECT_EQ(
      as_lists(plan_vae_tiles(6, 8, 4, 4, 2, 3)),
      (std::vector<std::vector<std::int64_t>>{
          {0, 4, 0, 4}, {0, 4, 3, 7}, {0, 4, 6, 8}, {2, 6, 0, 4}, {2, 6, 3, 7}, {2, 6, 6, 8}}));
  // A tile as large as the frame is the whole frame.
  const auto single = plan_vae_tiles(5, 7, 8, 8, 4, 4);
  ASSERT_EQ(single.size(), 1u);
  EXPECT_TRUE(single[0].top && single[0].bottom && single[0].left && single[0].right);
}

TEST(VaeTilingTest, RampsRiseAndFallOffTheBorders) {
  const at::Tensor both = vae_blend_ramp(6, false, false, 3);
  const at::Tensor expected = at::tensor({1.f / 3, 2.f / 3, 1.f, 1.f, 2.f / 3, 1.f / 3});
  EXPECT_TRUE(at::allclose(both, expected));
  EXPECT_TRUE(at::equal(vae_blend_ramp(4, true, true, 3), at::ones({4})));
  EXPECT_TRUE(at::equal(vae_blend_ramp(4, false, true, 0), at::ones({4})));
}

TEST(VaeTilingTest, BlendOfConstantTilesIsThatConstant) {
  const auto tiles = plan_vae_tiles(6, 8, 4, 4, 2, 3);
  const VaeTileBlender blender(tiles, 48, 64, 8, 1, 16, 8, at::TensorOptions().dtype(at::kFloat));
  at::Tensor values = at::zeros({1, 3, 2, 48, 64});
  for (std::size_t i = 0; i < tiles.size(); ++i) {
    const auto& t = tiles[i];
    blender.accumulate(values, i, at::full({1, 3, 2, (t.h1 - t.h0) * 8, (t.w1 - t.w0) * 8}, 0.25));
    EXPECT_TRUE(at::allclose(blender.mask(i),
                             reference_mask((t.h1 - t.h0) * 8, (t.w1 - t.w0) * 8, t, 16, 8)));
  }
  blender.normalise(values);
  EXPECT_TRUE(at::allclose(values, at::full_like(values, 0.25), 1e-6, 1e-6));
}

TEST(VaeTilingTest, OneTileCoveringTheFrameEqualsUntiled) {
  at::manual_seed(5);
  const at::Tensor latents = at::randn({1, 16, 3, 3, 4});
  VaeDecodeOptions tiled;
  tiled.tiling = VaeTiling{4, 4, 2, 2};
  const at::Tensor untiled_video = tiny_vae().decode(latents);
  EXPECT_TRUE(at::allclose(tiny_vae().decode(latents, tiled), untiled_video, 1e-6, 1e-7));
  tiled.tile_order = VaeTileOrder::kTileMajor;
  EXPECT_TRUE(at::allclose(tiny_vae().decode(latents, tiled), untiled_video, 1e-6, 1e-7));

  const at::Tensor video = at::rand({1, 3, 5, 24, 32}) * 2 - 1;
  VaeEncodeOptions tiled_encode;
  tiled_encode.tiling = VaeTiling{4, 4, 2, 2};
  EXPECT_TRUE(
      at::allclose(tiny_vae().encode(video, tiled_encode), tiny_vae().encode(video), 1e-5, 1e-6));
}

TEST(VaeTilingTest, TiledDecodeMatchesPerTileReferenceInBothOrders) {
  at::manual_seed(6);
  const at::Tensor latents = at::randn({1, 16, 3, 6, 8});
  const VaeTiling tiling{4, 4, 2, 3};
  // Reference: decode every tile alone (untiled, unclamped), blend, divide, clamp.
  at::Tensor values = at::zeros({1, 3, 9, 48, 64});
  at::Tensor weight = at::zeros({48, 64});
  VaeDecodeOptions raw;
  raw.clamp = false;
  for (const auto& t : plan_vae_tiles(6, 8, 4, 4, 2, 3)) {
    const at::Tensor part = tiny_vae().decode(
        latents.narrow(3, t.h0, t.h1 - t.h0).narrow(4, t.w0, t.w1 - t.w0).contiguous(), raw);
    const at::Tensor mask = reference_mask(part.size(3), part.size(4), t, 16, 8);
    values.narrow(3, t.h0 * 8, part.size(3)).narrow(4, t.w0 * 8, part.size(4)).add_(part * mask);
    weight.narrow(0, t.h0 * 8, part.size(3)).narrow(1, t.w0 * 8, part.size(4)).add_(mask);
  }
  const at::Tensor blended = values / weight;
  const at::Tensor expected = blended.clamp(-1.0, 1.0);
  // Both sides decode the same 4x4 tiles, but the 1x1x1 conv2 in front of the
  // decoder runs on the whole latent frame, a tile view or a tile copy, so its
  // sums may round differently (other shapes, kernels), and the difference
  // runs on through the decoder: bound by the decode's summed reduction length.
  const double tol = rounding_tolerance(
      at::kFloat, testing::vae_decode_reduction_length(tiny_vae().config(), 4 * 4),
      max_abs(blended));

  VaeDecodeOptions options;
  options.tiling = tiling;
  std::vector<std::int64_t> firsts;
  std::vector<at::Tensor> chunks;
  tiny_vae().decode(
      latents,
      [&](const at::Tensor& frames, std::int64_t first) {
        firsts.push_back(first);
        chunks.push_back(frames.clone());
      },
      options);
  EXPECT_EQ(firsts, (std::vector<std::int64_t>{0, 1, 5}));
  EXPECT_TRUE(within_tolerance(at::cat(chunks, 2), expected, tol));
  options.tile_order = VaeTileOrder::kTileMajor;
  EXPECT_TRUE(within_tolerance(tiny_vae().decode(latents, options), expected, tol));
  // Tiling changes the result (each tile sees only its own context) by more
  // than rounding.
  EXPECT_FALSE(within_tolerance(tiny_vae().decode(latents), expected, tol));
}

TEST(VaeTilingTest, TiledEncodeMatchesPerTileReference) {
  at::manual_seed(7);
  const at::Tensor video = at::rand({1, 3, 5, 48, 64}) * 2 - 1;
  at::Tensor values = at::zeros({1, 16, 2, 6, 8});
  at::Tensor weight = at::zeros({6, 8});
  for (const auto& t : plan_vae_tiles(48, 64, 32, 32, 16, 24)) {
    const at::Tensor part = tiny_vae().encode(
        video.narrow(3, t.h0, t.h1 - t.h0).narrow(4, t.w0, t.w1 - t.w0).contiguous());
    const at::Tensor mask = reference_mask(part.size(3), part.size(4), t, 2, 1);
    values.narrow(3, t.h0 / 8, part.size(3)).narrow(4, t.w0 / 8, part.size(4)).add_(part * mask);
    weight.narrow(0, t.h0 / 8, part.size(3)).narrow(1, t.w0 / 8, part.size(4)).add_(mask);
  }
  VaeEncodeOptions options;
  options.tiling = VaeTiling{4, 4, 2, 3};
  EXPECT_TRUE(at::allclose(tiny_vae().encode(video, options), values / weight, 1e-5, 1e-6));
}

TEST(VaeTilingTest, TimeMajorCacheCoversAllTiles) {
  const VaeTiling tiling{4, 4, 2, 3};
  std::size_t sum = 0;
  for (const auto& t : plan_vae_tiles(6, 8, 4, 4, 2, 3)) {
    sum += tiny_vae().decode_cache_bytes(t.h1 - t.h0, t.w1 - t.w0);
  }
  EXPECT_EQ(tiny_vae().decode_cache_bytes(6, 8, tiling), sum);
  EXPECT_GT(sum, tiny_vae().decode_cache_bytes(6, 8));
}

}  // namespace
}  // namespace animate::wan
