// Wan VAE encode/decode on tiny random weights: shapes, causality of the
// chunked passes, streamed decode, memory bounds and bad-input errors.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "model/wan/vae.h"
#include "model/wan/vae_decoder.h"
#include "test_vae_support.h"

namespace animate::wan {
namespace {

template <typename Fn>
std::string invalid_argument_of(Fn&& fn) {
  try {
    fn();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "no std::invalid_argument thrown";
  return "";
}

class WanVaeModelTest : public ::testing::Test {
 protected:
  // One tiny model shared by every test (built on first use).
  static const WanVae& vae() {
    static const WanVae shared = [] {
      const VaeConfig config = testing::tiny_vae_config(4);
      return WanVae(config, testing::random_vae_weights(config, 11));
    }();
    return shared;
  }

  static at::Tensor random_video(std::int64_t frames, std::int64_t h, std::int64_t w,
                                 std::uint64_t seed) {
    at::manual_seed(seed);
    return at::rand({1, 3, frames, h, w}).mul_(2.0).sub_(1.0);
  }
  static at::Tensor random_latents(std::int64_t frames, std::int64_t h, std::int64_t w,
                                   std::uint64_t seed) {
    at::manual_seed(seed);
    return at::randn({1, 16, frames, h, w});
  }
};

TEST_F(WanVaeModelTest, EncodeShapesFollowTheCausalChunks) {
  for (std::int64_t frames : {1, 5, 9, 13}) {
    const at::Tensor z = vae().encode(random_video(frames, 16, 24, frames));
    EXPECT_EQ(z.sizes(), (std::vector<std::int64_t>{1, 16, 1 + (frames - 1) / 4, 2, 3}));
    EXPECT_TRUE(at::isfinite(z).all().item<bool>());
  }
}

TEST_F(WanVaeModelTest, EncodeIsCausal) {
  const at::Tensor video = random_video(9, 16, 16, 1);
  const at::Tensor z9 = vae().encode(video);
  // Latent frame i depends on frames 0..4i only.
  const at::Tensor z5 = vae().encode(video.narrow(2, 0, 5));
  const at::Tensor z1 = vae().encode(video.narrow(2, 0, 1));
  EXPECT_TRUE(at::allclose(z9.narrow(2, 0, 2), z5, 1e-5, 1e-6));
  EXPECT_TRUE(at::allclose(z9.narrow(2, 0, 1), z1, 1e-5, 1e-6));
  at::Tensor changed = video.clone();
  changed.narrow(2, 5, 4).uniform_(-1.0, 1.0);
  const at::Tensor z_changed = vae().encode(changed);
  EXPECT_TRUE(at::allclose(z_changed.narrow(2, 0, 2), z9.narrow(2, 0, 2), 1e-5, 1e-6));
  EXPECT_FALSE(at::allclose(z_changed.narrow(2, 2, 1), z9.narrow(2, 2, 1), 1e-5, 1e-6));
}

TEST_F(WanVaeModelTest, NormalisationUsesMeanAndInverseStd) {
  const at::Tensor video = random_video(5, 8, 8, 2);
  VaeEncodeOptions raw;
  raw.normalize = false;
  const at::Tensor mu = vae().encode(video, raw);
  const at::Tensor z = vae().encode(video);
  const auto& config = vae().config();
  for (std::int64_t c : {0, 7, 15}) {
    const at::Tensor expected = (mu.select(1, c) - static_cast<float>(config.latent_mean[c])) *
                                (1.0f / static_cast<float>(config.latent_std[c]));
    EXPECT_TRUE(at::allclose(z.select(1, c), expected, 1e-5, 1e-6)) << "channel " << c;
  }
  EXPECT_TRUE(at::allclose(vae().denormalize(z), mu, 1e-5, 1e-5));
}

TEST_F(WanVaeModelTest, DecodeShapesAndClamp) {
  for (std::int64_t frames : {1, 2, 3}) {
    const at::Tensor video = vae().decode(random_latents(frames, 2, 3, frames));
    EXPECT_EQ(video.sizes(), (std::vector<std::int64_t>{1, 3, 1 + 4 * (frames - 1), 16, 24}));
    EXPECT_LE(video.abs().max().item<float>(), 1.0f);
  }
  VaeDecodeOptions raw;
  raw.clamp = false;
  const at::Tensor latents = random_latents(2, 2, 2, 9);
  const at::Tensor unclamped = vae().decode(latents, raw);
  EXPECT_TRUE(at::equal(vae().decode(latents), unclamped.clamp(-1.0, 1.0)));
}

TEST_F(WanVaeModelTest, StreamedFramesArriveInOrderAndMatchTheWholeDecode) {
  const at::Tensor latents = random_latents(4, 2, 3, 3);
  VaeDecodeOptions options;
  options.clamp = false;
  const at::Tensor whole = vae().decode(latents, options);
  std::vector<at::Tensor> chunks;
  std::vector<std::int64_t> firsts;
  vae().decode(
      latents,
      [&](const at::Tensor& frames, std::int64_t first) {
        chunks.push_back(frames.clone());
        firsts.push_back(first);
      },
      options);
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_EQ(firsts, (std::vector<std::int64_t>{0, 1, 5, 9}));
  EXPECT_EQ(chunks[0].size(2), 1);
  EXPECT_EQ(chunks[1].size(2), 4);
  EXPECT_TRUE(at::equal(at::cat(chunks, 2), whole));
  // Causal: decoding a prefix of the latents gives a prefix of the video.
  const at::Tensor prefix = vae().decode(latents.narrow(2, 0, 2), options);
  EXPECT_TRUE(at::allclose(prefix, whole.narrow(2, 0, 5), 1e-5, 1e-6));
}

TEST_F(WanVaeModelTest, DecoderCacheIsBoundedAndPredicted) {
  const at::Tensor latents = random_latents(5, 2, 3, 4);
  VaeDecoderStream stream(
      std::make_shared<const VaeWeights>(testing::random_vae_weights(vae().config(), 11)));
  std::vector<std::size_t> sizes;
  for (std::int64_t t = 0; t < 5; ++t) {
    const at::Tensor x = latents.narrow(2, t, 1).contiguous();
    stream.step(x);
    sizes.push_back(stream.cache_bytes());
  }
  // From the third latent frame on, every slot holds exactly two frames.
  EXPECT_EQ(sizes[2], sizes[3]);
  EXPECT_EQ(sizes[3], sizes[4]);
  EXPECT_EQ(sizes[4], vae().decode_cache_bytes(2, 3));
}

TEST_F(WanVaeModelTest, Bfloat16ComputeTracksFloat32) {
  const VaeConfig config = testing::tiny_vae_config(4);
  VaeWeights bf16 = testing::random_vae_weights(config, 12, at::kBFloat16);
  VaeWeights fp32 = bf16;
  visit_vae_parameters(fp32, config,
                       [](const std::string&, at::Tensor& t, const std::vector<std::int64_t>&) {
                         t = t.to(at::kFloat);
                       });
  const WanVae vae_bf16(config, std::move(bf16));
  const WanVae vae_fp32(config, std::move(fp32));
  EXPECT_EQ(vae_bf16.dtype(), at::kBFloat16);
  const at::Tensor video = random_video(5, 16, 16, 13);
  const at::Tensor z16 = vae_bf16.encode(video);
  EXPECT_EQ(z16.scalar_type(), at::kBFloat16);
  EXPECT_LT((z16.to(at::kFloat) - vae_fp32.encode(video)).abs().max().item<float>(), 0.1f);
  const at::Tensor latents = random_latents(2, 2, 2, 14);
  const at::Tensor v16 = vae_bf16.decode(latents);
  EXPECT_EQ(v16.scalar_type(), at::kFloat);  // output_dtype
  EXPECT_LT((v16 - vae_fp32.decode(latents)).abs().max().item<float>(), 0.1f);
}

TEST_F(WanVaeModelTest, EncodeRejectsBadVideos) {
  std::string message = invalid_argument_of([&] { vae().encode(random_video(6, 16, 16, 0)); });
  EXPECT_NE(message.find("got 6"), std::string::npos) << message;
  EXPECT_NE(message.find("1 + 4k"), std::string::npos) << message;
  message = invalid_argument_of([&] { vae().encode(random_video(5, 20, 16, 0)); });
  EXPECT_NE(message.find("height must be a positive multiple of 8, got 20"), std::string::npos)
      << message;
  message = invalid_argument_of([&] { vae().encode(random_video(5, 16, 12, 0)); });
  EXPECT_NE(message.find("width"), std::string::npos) << message;
  message = invalid_argument_of([&] { vae().encode(at::zeros({1, 4, 5, 16, 16})); });
  EXPECT_NE(message.find("3 (RGB) channels, got 4"), std::string::npos) << message;
  message = invalid_argument_of([&] { vae().encode(at::zeros({2, 3, 5, 16, 16})); });
  EXPECT_NE(message.find("batch size must be 1"), std::string::npos) << message;
  message = invalid_argument_of([&] { vae().encode(at::zeros({3, 5, 16, 16})); });
  EXPECT_NE(message.find("5-D"), std::string::npos) << message;
  message = invalid_argument_of([&] { vae().encode(at::zeros({1, 3, 5, 16, 16}, at::kInt)); });
  EXPECT_NE(message.find("floating-point"), std::string::npos) << message;
}

TEST_F(WanVaeModelTest, DecodeRejectsBadLatents) {
  std::string message = invalid_argument_of([&] { vae().decode(at::zeros({1, 8, 2, 2, 2})); });
  EXPECT_NE(message.find("z_dim=16 channels, got 8"), std::string::npos) << message;
  message = invalid_argument_of([&] { vae().decode(at::zeros({1, 16, 0, 2, 2})); });
  EXPECT_NE(message.find("at least one frame"), std::string::npos) << message;
  message = invalid_argument_of([&] { vae().decode(at::zeros({16, 2, 2, 2})); });
  EXPECT_NE(message.find("5-D"), std::string::npos) << message;
  VaeDecodeOptions bad_tiles;
  bad_tiles.tiling = VaeTiling{2, 2, 3, 1};
  message = invalid_argument_of([&] { vae().decode(at::zeros({1, 16, 1, 4, 4}), bad_tiles); });
  EXPECT_NE(message.find("stride <= size"), std::string::npos) << message;
}

}  // namespace
}  // namespace animate::wan
