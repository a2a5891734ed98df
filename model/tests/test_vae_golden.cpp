// Parity of the VAE with the reference on the golden VAE cases, straight
// through the library (the probe runs the same cases via run_vae). Skipped
// when the golden folder is absent.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "model/io/safetensors_reader.h"
#include "model/wan/vae.h"

namespace animate::wan {
namespace {

namespace fs = std::filesystem;

fs::path case_dir(const std::string& name) {
  const char* env = std::getenv("ANIMATE_GOLDEN_DIR");
  return fs::path(env ? env : ANIMATE_GOLDEN_DIR_DEFAULT) / name;
}

struct Case {
  nlohmann::json json;
  std::shared_ptr<io::SafetensorsFile> io;
  WanVae vae;
};

Case load_case(const fs::path& dir) {
  std::ifstream in(dir / "case.json");
  nlohmann::json json = nlohmann::json::parse(in);
  const VaeConfig config = VaeConfig::from_json(json.at("config").dump());
  WanVae vae =
      WanVae::load((dir / json.at("weights").at(0).at("file").get<std::string>()).string(), config);
  return {std::move(json), io::SafetensorsFile::open((dir / "io.safetensors").string()),
          std::move(vae)};
}

void expect_matches(const Case& c, const std::string& output, const at::Tensor& actual) {
  const at::Tensor expected = c.io->tensor("expected." + output);
  const double atol = c.json.at("outputs").at(output).at("atol").get<double>();
  ASSERT_EQ(actual.sizes(), expected.sizes()) << output;
  const double err = (actual.to(at::kDouble) - expected.to(at::kDouble)).abs().max().item<double>();
  EXPECT_LE(err, atol) << output << ": max abs error " << err << " > atol " << atol;
}

class VaeGoldenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(case_dir("vae_encode") / "case.json")) GTEST_SKIP() << "no golden folder";
  }
};

TEST_F(VaeGoldenTest, Encode) {
  const Case c = load_case(case_dir("vae_encode"));
  VaeEncodeOptions options;
  options.normalize = false;
  const at::Tensor mu = c.vae.encode(c.io->tensor("video"), options);
  expect_matches(c, "mu", mu);
  expect_matches(c, "latents", c.vae.normalize(mu));
}

TEST_F(VaeGoldenTest, Decode) {
  const Case c = load_case(case_dir("vae_decode"));
  VaeDecodeOptions options;
  options.clamp = false;
  const at::Tensor raw = c.vae.decode(c.io->tensor("latents"), options);
  expect_matches(c, "video_unclamped", raw);
  expect_matches(c, "video", raw.clamp(-1.0, 1.0));
}

TEST_F(VaeGoldenTest, DecodeTiledInBothOrders) {
  const Case c = load_case(case_dir("vae_decode_tiled"));
  const auto& params = c.json.at("params");
  VaeDecodeOptions options;
  options.tiling = VaeTiling{params.at("tile_size")[0].get<std::int64_t>(),
                             params.at("tile_size")[1].get<std::int64_t>(),
                             params.at("tile_stride")[0].get<std::int64_t>(),
                             params.at("tile_stride")[1].get<std::int64_t>()};
  expect_matches(c, "video", c.vae.decode(c.io->tensor("latents"), options));
  options.tile_order = VaeTileOrder::kTileMajor;
  expect_matches(c, "video", c.vae.decode(c.io->tensor("latents"), options));
}

}  // namespace
}  // namespace animate::wan
