// Wan VAE configuration and checkpoint loading: key names, prefixes, and the
// errors for files that contradict the configuration.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "model/io/error.h"
#include "model/io/safetensors_writer.h"
#include "model/wan/vae.h"
#include "model/wan/vae_config.h"
#include "model/wan/vae_weights.h"
#include "test_vae_support.h"

namespace animate::wan {
namespace {

namespace fs = std::filesystem;

template <typename Exception, typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Exception& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception thrown";
  return "";
}

class VaeLoadingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("animate_vae_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

TEST(VaeConfigTest, DefaultsAreWan21) {
  const VaeConfig config = VaeConfig::from_json("{}");
  EXPECT_EQ(config.dim, 96);
  EXPECT_EQ(config.z_dim, 16);
  EXPECT_EQ(config.spatial_factor(), 8);
  EXPECT_EQ(config.temporal_factor(), 4);
  EXPECT_EQ(config.encoder_widths(), (std::vector<std::int64_t>{96, 96, 192, 384, 384}));
  EXPECT_EQ(config.decoder_widths(), (std::vector<std::int64_t>{384, 384, 384, 192, 96}));
  ASSERT_EQ(config.latent_std.size(), 16u);
  EXPECT_DOUBLE_EQ(config.latent_std[15], 1.9160);
}

TEST(VaeConfigTest, RejectsUnsupportedOrInconsistentFields) {
  EXPECT_NE(error_of<std::invalid_argument>([] {
              VaeConfig::from_json(R"({"attn_scales": [1.0]})");
            }).find("attn_scales"),
            std::string::npos);
  EXPECT_NE(error_of<std::invalid_argument>([] {
              VaeConfig::from_json(R"({"temperal_downsample": [true]})");
            }).find("temperal_downsample"),
            std::string::npos);
  EXPECT_NE(error_of<std::invalid_argument>([] {
              VaeConfig::from_json(R"({"latent_mean": [0.0]})");
            }).find("latent_mean"),
            std::string::npos);
  EXPECT_NE(
      error_of<std::invalid_argument>([] { VaeConfig::from_json(R"({"dim": 0})"); }).find("dim"),
      std::string::npos);
  EXPECT_THROW(VaeConfig::from_json(R"({"dim": "wide"})"), std::invalid_argument);
  EXPECT_THROW(VaeConfig::from_json("[1, 2]"), std::invalid_argument);
}

TEST(VaeWeightsTest, RealLayoutHas194Tensors) {
  const auto names = vae_parameter_names(VaeConfig::wan21());
  EXPECT_EQ(names.size(), 194u);
  VaeWeights scratch;
  std::int64_t params = 0;
  visit_vae_parameters(
      scratch, VaeConfig::wan21(),
      [&](const std::string&, at::Tensor&, const std::vector<std::int64_t>& shape) {
        std::int64_t n = 1;
        for (auto s : shape) n *= s;
        params += n;
      });
  EXPECT_EQ(params, 126892531);  // spec 0.1
}

TEST_F(VaeLoadingTest, LoadsOfficialAndPrefixedNames) {
  const VaeConfig config = testing::tiny_vae_config(4);
  const VaeWeights original = testing::random_vae_weights(config, 1);
  io::write_safetensors(path("plain.safetensors"), testing::vae_weights_as_named(original, config));
  io::write_safetensors(path("prefixed.safetensors"),
                        testing::vae_weights_as_named(original, config, "model."));
  for (const char* file : {"plain.safetensors", "prefixed.safetensors"}) {
    const VaeWeights loaded = load_vae_weights(path(file), config);
    EXPECT_TRUE(at::equal(loaded.decoder.stages[1].resample->time_conv.weight,
                          original.decoder.stages[1].resample->time_conv.weight))
        << file;
    EXPECT_EQ(vae_base_width(open_vae_checkpoint(path(file))), 4);
  }
}

TEST_F(VaeLoadingTest, MissingTensorsAreListed) {
  const VaeConfig config = testing::tiny_vae_config(4);
  auto named = testing::vae_weights_as_named(testing::random_vae_weights(config, 2), config);
  io::NamedTensors kept;
  for (auto& entry : named) {
    if (entry.first != "decoder.upsamples.3.time_conv.weight" && entry.first != "conv2.bias") {
      kept.push_back(entry);
    }
  }
  io::write_safetensors(path("w.safetensors"), kept);
  const std::string message =
      error_of<io::ContentError>([&] { load_vae_weights(path("w.safetensors"), config); });
  EXPECT_NE(message.find("decoder.upsamples.3.time_conv.weight"), std::string::npos) << message;
  EXPECT_NE(message.find("conv2.bias"), std::string::npos) << message;
  EXPECT_NE(message.find("missing 2"), std::string::npos) << message;
}

TEST_F(VaeLoadingTest, BaseWidthMismatchIsNamed) {
  const VaeConfig stored = testing::tiny_vae_config(4);
  io::write_safetensors(path("w.safetensors"), testing::vae_weights_as_named(
                                                   testing::random_vae_weights(stored, 3), stored));
  const std::string message = error_of<io::ContentError>(
      [&] { load_vae_weights(path("w.safetensors"), testing::tiny_vae_config(6)); });
  EXPECT_NE(message.find("encoder.conv1.weight has 4 output channels"), std::string::npos)
      << message;
  EXPECT_NE(message.find("dim=6"), std::string::npos) << message;
}

TEST_F(VaeLoadingTest, WrongShapeAndUnexpectedKeysAreErrors) {
  const VaeConfig config = testing::tiny_vae_config(4);
  auto named = testing::vae_weights_as_named(testing::random_vae_weights(config, 4), config);
  auto reshaped = named;
  for (auto& entry : reshaped) {
    if (entry.first == "encoder.middle.1.to_qkv.weight") entry.second = at::zeros({48, 16, 3, 3});
  }
  io::write_safetensors(path("shape.safetensors"), reshaped);
  std::string message =
      error_of<io::ContentError>([&] { load_vae_weights(path("shape.safetensors"), config); });
  EXPECT_NE(message.find("encoder.middle.1.to_qkv.weight"), std::string::npos) << message;
  EXPECT_NE(message.find("[48, 16, 3, 3]"), std::string::npos) << message;

  auto extra = named;
  extra.emplace_back("encoder.downsamples.11.residual.0.gamma", at::ones({16, 1, 1, 1}));
  extra.emplace_back("unrelated.thing", at::ones({1}));  // not a VAE key: ignored
  io::write_safetensors(path("extra.safetensors"), extra);
  message =
      error_of<io::ContentError>([&] { load_vae_weights(path("extra.safetensors"), config); });
  EXPECT_NE(message.find("unexpected 1: encoder.downsamples.11.residual.0.gamma"),
            std::string::npos)
      << message;
}

TEST_F(VaeLoadingTest, ConvertsToTheComputeDtype) {
  const VaeConfig config = testing::tiny_vae_config(4);
  io::write_safetensors(path("w.safetensors"), testing::vae_weights_as_named(
                                                   testing::random_vae_weights(config, 5), config));
  VaeLoadOptions options;
  options.dtype = at::kDouble;
  const WanVae vae = WanVae::load(path("w.safetensors"), config, options);
  EXPECT_EQ(vae.dtype(), at::kDouble);
}

TEST(WanVaeTest, ConstructorRejectsIncompleteOrMixedWeights) {
  const VaeConfig config = testing::tiny_vae_config(4);
  VaeWeights missing = testing::random_vae_weights(config, 6);
  missing.decoder.middle_attn.proj.bias = at::Tensor();
  EXPECT_NE(error_of<std::invalid_argument>([&] {
              WanVae(config, missing);
            }).find("decoder.middle.1.proj.bias"),
            std::string::npos);
  VaeWeights mixed = testing::random_vae_weights(config, 6);
  mixed.encoder.conv1.bias = mixed.encoder.conv1.bias.to(at::kDouble);
  EXPECT_NE(
      error_of<std::invalid_argument>([&] { WanVae(config, mixed); }).find("encoder.conv1.bias"),
      std::string::npos);
}

}  // namespace
}  // namespace animate::wan
