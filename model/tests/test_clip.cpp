// Pillow resize properties, CLIP preprocessing and the CLIP vision tower's
// config inference, weight checks and shapes (tiny random weights).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <memory>

#include "model/io/error.h"
#include "model/tests/test_encoders_support.h"
#include "model/wan/clip_preprocess.h"
#include "model/wan/clip_vision.h"
#include "model/wan/pil_resize.h"

namespace animate::wan {
namespace {

at::Tensor random_image(std::int64_t h, std::int64_t w, std::int64_t c = 3) {
  return at::randint(0, 256, {h, w, c}, at::TensorOptions(at::kByte));
}

TEST(PilResize, SameSizeIsAnIdenticalCopy) {
  const at::Tensor image = random_image(7, 5);
  const at::Tensor out = pil_resize(image, 5, 7);
  EXPECT_TRUE(at::equal(out, image));
  EXPECT_NE(out.data_ptr(), image.data_ptr());
}

TEST(PilResize, ConstantImageStaysConstant) {
  for (PilFilter filter : {PilFilter::kBicubic, PilFilter::kBilinear, PilFilter::kLanczos,
                           PilFilter::kBox, PilFilter::kHamming}) {
    const at::Tensor image = at::full({37, 53, 3}, 200, at::kByte);
    for (auto [w, h] : {std::pair<int, int>{32, 48}, {11, 9}, {53, 80}, {120, 37}}) {
      const at::Tensor out = pil_resize(image, w, h, filter);
      EXPECT_EQ(out.sizes(), (at::IntArrayRef{h, w, 3}));
      EXPECT_TRUE(at::equal(out, at::full({h, w, 3}, 200, at::kByte)));
    }
  }
}

TEST(PilResize, HalvingTwoPixelsAveragesThemWithPillowsRounding) {
  // Both taps get weight 1/2 (bilinear and bicubic alike): (0 + 255) / 2 -> 128.
  at::Tensor image = at::zeros({1, 2, 1}, at::kByte);
  image[0][1][0] = 255;
  EXPECT_EQ(pil_resize(image, 1, 1, PilFilter::kBilinear).item<std::uint8_t>(), 128);
  EXPECT_EQ(pil_resize(image, 1, 1, PilFilter::kBicubic).item<std::uint8_t>(), 128);
}

TEST(PilResize, MirroredInputGivesMirroredOutput) {
  const at::Tensor image = random_image(9, 13);
  const at::Tensor out = pil_resize(image, 6, 17);
  const at::Tensor mirrored = pil_resize(image.flip({1}).contiguous(), 6, 17);
  EXPECT_TRUE(at::equal(out.flip({1}), mirrored));
}

TEST(PilResize, ChannelsAreIndependent) {
  const at::Tensor image = random_image(10, 12, 3);
  const at::Tensor out = pil_resize(image, 7, 5);
  for (int c = 0; c < 3; ++c) {
    const at::Tensor single = pil_resize(image.select(2, c).unsqueeze(2).contiguous(), 7, 5);
    EXPECT_TRUE(at::equal(out.select(2, c), single.select(2, 0)));
  }
}

TEST(PilResize, RejectsBadInput) {
  EXPECT_THROW(pil_resize(at::zeros({4, 4, 3}, at::kFloat), 2, 2), std::invalid_argument);
  EXPECT_THROW(pil_resize(at::zeros({4, 4}, at::kByte), 2, 2), std::invalid_argument);
  EXPECT_THROW(pil_resize(random_image(4, 4), 0, 2), std::invalid_argument);
}

TEST(ClipPreprocess, SignedUnitAndClipInputShapes) {
  at::Tensor rgb = at::zeros({2, 3, 3}, at::kByte);
  rgb[0][0][0] = 255;
  const at::Tensor image = image_to_signed_unit(rgb);
  EXPECT_EQ(image.sizes(), (at::IntArrayRef{1, 3, 2, 3}));
  EXPECT_FLOAT_EQ(image[0][0][0][0].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(image[0][1][0][0].item<float>(), -1.0f);
  const ReferenceImageInputs inputs = prepare_reference_image(random_image(37, 53), 32, 48);
  EXPECT_EQ(inputs.resized.sizes(), (at::IntArrayRef{48, 32, 3}));
  EXPECT_EQ(inputs.image.sizes(), (at::IntArrayRef{1, 3, 48, 32}));
  EXPECT_EQ(inputs.clip_input.sizes(), (at::IntArrayRef{1, 3, 224, 224}));
  // A mid-grey image normalises to (0.5 - mean) / std everywhere.
  const at::Tensor grey = clip_input_from_image(at::zeros({1, 3, 8, 8}));
  const ClipNormalization norm;
  EXPECT_NEAR(grey[0][2][100][7].item<float>(), (0.5 - norm.mean[2]) / norm.std[2], 1e-6);
}

// A tiny vision tower: width 8, 2 heads, patch 14 on 28x28 (5 tokens), mlp 16.
std::map<std::string, at::Tensor> tiny_visual(std::int64_t layers, std::int64_t width = 8) {
  std::map<std::string, at::Tensor> w;
  w["patch_embedding.weight"] = at::randn({width, 3, 14, 14}) * 0.05;
  w["cls_embedding"] = at::randn({1, 1, width});
  w["pos_embedding"] = at::randn({1, 5, width});
  w["pre_norm.weight"] = at::ones({width});
  w["pre_norm.bias"] = at::zeros({width});
  w["post_norm.weight"] = at::ones({width});
  w["post_norm.bias"] = at::zeros({width});
  for (std::int64_t i = 0; i < layers; ++i) {
    const std::string p = "transformer." + std::to_string(i) + ".";
    w[p + "norm1.weight"] = at::ones({width});
    w[p + "norm1.bias"] = at::zeros({width});
    w[p + "attn.to_qkv.weight"] = at::randn({3 * width, width}) * 0.2;
    w[p + "attn.to_qkv.bias"] = at::randn({3 * width}) * 0.1;
    w[p + "attn.proj.weight"] = at::randn({width, width}) * 0.2;
    w[p + "attn.proj.bias"] = at::zeros({width});
    w[p + "norm2.weight"] = at::ones({width});
    w[p + "norm2.bias"] = at::zeros({width});
    w[p + "mlp.0.weight"] = at::randn({2 * width, width}) * 0.2;
    w[p + "mlp.0.bias"] = at::zeros({2 * width});
    w[p + "mlp.2.weight"] = at::randn({width, 2 * width}) * 0.2;
    w[p + "mlp.2.bias"] = at::zeros({width});
  }
  return w;
}

io::CheckpointView view_of(std::map<std::string, at::Tensor> tensors) {
  return io::CheckpointView({std::make_shared<test::MemorySource>(std::move(tensors))});
}

TEST(ClipVision, InfersTheConfigFromTheWeights) {
  const auto visual = view_of(tiny_visual(3));
  const ClipVisionConfig config = ClipVisionConfig::infer(visual, 2);
  EXPECT_EQ(config.width, 8);
  EXPECT_EQ(config.patch_size, 14);
  EXPECT_EQ(config.image_size, 28);
  EXPECT_EQ(config.layers, 3);
  EXPECT_EQ(config.run_layers(), 2);
  EXPECT_EQ(config.mlp_dim, 16);
  EXPECT_EQ(config.tokens(), 5);
  EXPECT_THROW(ClipVisionConfig::infer(visual, 3), std::invalid_argument);  // 3 does not divide 8
}

TEST(ClipVision, RunsAllButTheLastBlock) {
  const auto visual = view_of(tiny_visual(3));
  const auto encoder = ClipVisionEncoder::load(visual, ClipVisionConfig::infer(visual, 2));
  ClipVisionTrace trace;
  const at::Tensor out = encoder.forward(at::randn({2, 3, 28, 28}), &trace);
  EXPECT_EQ(out.sizes(), (at::IntArrayRef{2, 5, 8}));
  ASSERT_EQ(trace.blocks.size(), 2u);
  EXPECT_TRUE(at::equal(trace.blocks.back(), out));
  EXPECT_THROW(encoder.forward(at::randn({1, 3, 224, 224})), std::invalid_argument);
}

TEST(ClipVision, RefusesWeightsThatContradictTheConfig) {
  const auto visual = view_of(tiny_visual(3));
  ClipVisionConfig config = ClipVisionConfig::infer(visual, 2);
  ClipVisionConfig fewer = config;
  fewer.layers = 2;  // would skip block 1 instead of block 2
  EXPECT_THROW(ClipVisionEncoder::load(visual, fewer), io::ContentError);
  ClipVisionConfig wider = config;
  wider.width = 16;
  wider.mlp_dim = 32;
  EXPECT_THROW(ClipVisionEncoder::load(visual, wider), io::ContentError);
  auto broken = tiny_visual(3);
  broken.erase("transformer.1.attn.proj.bias");
  EXPECT_THROW(ClipVisionEncoder::load(view_of(broken), config), io::ContentError);
  auto bad_pos = tiny_visual(3);
  bad_pos["pos_embedding"] = at::randn({1, 6, 8});  // 5 patches: not a square grid
  EXPECT_THROW(ClipVisionConfig::infer(view_of(bad_pos), 2), io::ContentError);
}

}  // namespace
}  // namespace animate::wan
