// Golden runner for the Wan VAE cases (vae_encode, vae_decode, vae_decode_tiled
// and hidden variants): everything comes from case.json and the inputs.
#include <ATen/ATen.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "model/io/error.h"
#include "model/tools/probe/component_registry.h"
#include "model/wan/vae.h"

namespace animate::probe {

namespace {

using nlohmann::json;

// The weight file listed for the VAE (the only one in the VAE cases).
std::string vae_weight_file(const GoldenCase& golden_case) {
  const json& weights = golden_case.json().at("weights");
  for (const auto& entry : weights) {
    if (entry.value("component", std::string()) == "vae")
      return entry.at("file").get<std::string>();
  }
  if (weights.size() == 1) return weights.front().at("file").get<std::string>();
  throw io::ContentError(io::describe(golden_case.dir().string(),
                                      "case.json lists no weight file for component 'vae'"));
}

std::pair<std::int64_t, std::int64_t> read_pair(const json& params, const char* key) {
  const json& value = params.at(key);
  if (!value.is_array() || value.size() != 2) {
    throw std::invalid_argument(std::string("case params: '") + key + "' must be [H, W]");
  }
  return {value[0].get<std::int64_t>(), value[1].get<std::int64_t>()};
}

// Tiling from params "tile_size"/"tile_stride" (latent cells, or pixels when
// "tile_units" says so); none when absent or "tiled" is false.
std::optional<wan::VaeTiling> read_tiling(const json& params, std::int64_t spatial_factor) {
  if (!params.contains("tile_size")) return std::nullopt;
  if (params.contains("tiled") && params.at("tiled").is_boolean() &&
      !params.at("tiled").get<bool>()) {
    return std::nullopt;
  }
  auto [size_h, size_w] = read_pair(params, "tile_size");
  auto [stride_h, stride_w] = read_pair(params, "tile_stride");
  const std::string units = params.value("tile_units", std::string("latent cells"));
  if (units.find("pixel") != std::string::npos) {
    size_h /= spatial_factor;
    size_w /= spatial_factor;
    stride_h /= spatial_factor;
    stride_w /= spatial_factor;
  }
  wan::VaeTiling tiling{size_h, size_w, stride_h, stride_w};
  tiling.validate();
  return tiling;
}

}  // namespace

io::NamedTensors run_vae(const GoldenCase& golden_case) {
  const wan::VaeConfig config = wan::VaeConfig::from_json(golden_case.config().dump());
  const wan::WanVae vae =
      wan::WanVae::load(golden_case.weight_path(vae_weight_file(golden_case)).string(), config);
  const json& params = golden_case.params();
  const auto tiling = read_tiling(params, config.spatial_factor());

  io::NamedTensors outputs;
  if (golden_case.has_input("video")) {
    wan::VaeEncodeOptions options;
    options.tiling = tiling;
    options.normalize = false;
    const at::Tensor mu = vae.encode(golden_case.input("video"), options);
    outputs.emplace_back("latents", vae.normalize(mu));
    outputs.emplace_back("mu", mu);
    return outputs;
  }
  if (golden_case.has_input("latents")) {
    wan::VaeDecodeOptions options;
    options.tiling = tiling;
    if (!tiling) {
      options.clamp = false;
      const at::Tensor raw = vae.decode(golden_case.input("latents"), options);
      outputs.emplace_back("video", raw.clamp(-1.0, 1.0));
      outputs.emplace_back("video_unclamped", raw);
    } else {
      outputs.emplace_back("video", vae.decode(golden_case.input("latents"), options));
    }
    return outputs;
  }
  throw std::invalid_argument("VAE case '" + golden_case.name() +
                              "' has neither a 'video' (encode) nor a 'latents' (decode) input");
}

}  // namespace animate::probe
