#include "model/wan/vae_config.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "model/io/json_field.h"

namespace animate::wan {

namespace {

using Json = nlohmann::json;

template <typename T>
void read_field(const Json& json, const char* key, T& out) {
  io::read_optional_field(json, key, out, "VAE");
}

void require_positive(const std::string& field, std::int64_t value) {
  if (value <= 0) {
    throw std::invalid_argument("VAE config: " + field + " must be positive, got " +
                                std::to_string(value));
  }
}

const std::vector<double> kWan21LatentMean{-0.7571, -0.7089, -0.9113, 0.1075,  -0.1745, 0.9653,
                                           -0.1517, 1.5508,  0.4134,  -0.0715, 0.5517,  -0.3632,
                                           -0.1922, -0.9497, 0.2503,  -0.2921};
const std::vector<double> kWan21LatentStd{2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708,
                                          2.6052, 2.0743, 3.2687, 2.1526, 2.8652, 1.5579,
                                          1.6382, 1.1253, 2.8251, 1.9160};

}  // namespace

VaeConfig VaeConfig::wan21() {
  VaeConfig config;
  config.latent_mean = kWan21LatentMean;
  config.latent_std = kWan21LatentStd;
  return config;
}

VaeConfig VaeConfig::from_json(const std::string& json_text) {
  Json json;
  try {
    json = Json::parse(json_text);
  } catch (const Json::exception& e) {
    throw std::invalid_argument(std::string("VAE config: malformed JSON: ") + e.what());
  }
  if (!json.is_object()) throw std::invalid_argument("VAE config: expected a JSON object");
  VaeConfig c = wan21();
  read_field(json, "dim", c.dim);
  read_field(json, "z_dim", c.z_dim);
  read_field(json, "dim_mult", c.dim_mult);
  read_field(json, "num_res_blocks", c.num_res_blocks);
  read_field(json, "temperal_downsample", c.temperal_downsample);
  read_field(json, "latent_mean", c.latent_mean);
  read_field(json, "latent_std", c.latent_std);
  std::vector<double> attn_scales;
  read_field(json, "attn_scales", attn_scales);
  if (!attn_scales.empty()) {
    throw std::invalid_argument(
        "VAE config: attn_scales must be empty (Wan2.1 has attention only in the middle blocks); "
        "got " +
        std::to_string(attn_scales.size()) + " scale(s)");
  }
  double dropout = 0.0;
  read_field(json, "dropout", dropout);
  if (dropout < 0.0 || dropout >= 1.0) {
    throw std::invalid_argument("VAE config: dropout must be in [0, 1), got " +
                                std::to_string(dropout));
  }
  c.validate();
  return c;
}

void VaeConfig::validate() const {
  require_positive("dim", dim);
  require_positive("z_dim", z_dim);
  require_positive("num_res_blocks", num_res_blocks);
  if (dim_mult.size() < 2) {
    throw std::invalid_argument("VAE config: dim_mult needs at least 2 entries, got " +
                                std::to_string(dim_mult.size()));
  }
  for (std::size_t i = 0; i < dim_mult.size(); ++i) {
    require_positive("dim_mult[" + std::to_string(i) + "]", dim_mult[i]);
  }
  if (temperal_downsample.size() + 1 != dim_mult.size()) {
    throw std::invalid_argument("VAE config: temperal_downsample needs " +
                                std::to_string(dim_mult.size() - 1) +
                                " entries (one per downsample, len(dim_mult) - 1), got " +
                                std::to_string(temperal_downsample.size()));
  }
  // Every decoder upsample halves the channels of the stage it ends, so the
  // next stage's first block sees half the width.
  for (std::size_t i = 0; i + 1 < dim_mult.size(); ++i) {
    if ((dim * dim_mult[dim_mult.size() - 1 - i]) % 2 != 0) {
      throw std::invalid_argument(
          "VAE config: dim * dim_mult must be even before every upsample (the decoder halves it); "
          "dim=" +
          std::to_string(dim) + ", dim_mult[" + std::to_string(dim_mult.size() - 1 - i) +
          "]=" + std::to_string(dim_mult[dim_mult.size() - 1 - i]));
    }
  }
  const auto check_stats = [&](const char* field, const std::vector<double>& values) {
    if (static_cast<std::int64_t>(values.size()) != z_dim) {
      throw std::invalid_argument(std::string("VAE config: ") + field +
                                  " needs z_dim=" + std::to_string(z_dim) + " values, got " +
                                  std::to_string(values.size()));
    }
  };
  check_stats("latent_mean", latent_mean);
  check_stats("latent_std", latent_std);
  for (std::size_t i = 0; i < latent_std.size(); ++i) {
    if (!(latent_std[i] > 0.0)) {
      throw std::invalid_argument("VAE config: latent_std[" + std::to_string(i) +
                                  "] must be positive, got " + std::to_string(latent_std[i]));
    }
  }
}

std::int64_t VaeConfig::spatial_factor() const {
  return std::int64_t{1} << (dim_mult.size() - 1);
}

std::int64_t VaeConfig::temporal_factor() const {
  std::int64_t factor = 1;
  for (bool halves_time : temperal_downsample) {
    if (halves_time) factor *= 2;
  }
  return factor;
}

std::vector<std::int64_t> VaeConfig::encoder_widths() const {
  std::vector<std::int64_t> widths{dim};
  for (std::int64_t mult : dim_mult) widths.push_back(dim * mult);
  return widths;
}

std::vector<std::int64_t> VaeConfig::decoder_widths() const {
  std::vector<std::int64_t> widths{dim * dim_mult.back()};
  for (auto it = dim_mult.rbegin(); it != dim_mult.rend(); ++it) widths.push_back(dim * *it);
  return widths;
}

std::vector<bool> VaeConfig::temperal_upsample() const {
  return std::vector<bool>(temperal_downsample.rbegin(), temperal_downsample.rend());
}

}  // namespace animate::wan
