#pragma once
// Hyper-parameters of the Wan2.1 causal video VAE (official `WanVAE_` names).
#include <cstdint>
#include <string>
#include <vector>

namespace animate::wan {

struct VaeConfig {
  // Base channel width (96 in Wan2.1_VAE.pth; the golden tiny models use 3-6).
  std::int64_t dim = 96;
  // Latent channels (the encoder emits 2*z_dim: mu and log_var).
  std::int64_t z_dim = 16;
  std::vector<std::int64_t> dim_mult{1, 2, 4, 4};
  std::int64_t num_res_blocks = 2;
  // Per encoder stage except the last: whether its downsample also halves time.
  // The decoder uses the reversed list for its upsamples.
  std::vector<bool> temperal_downsample{false, true, true};
  // Per-channel latent statistics: z = (mu - mean) * (1 / std).
  std::vector<double> latent_mean;
  std::vector<double> latent_std;

  // The released Wan2.1 VAE (dim 96, z_dim 16, the published mean/std).
  static VaeConfig wan21();
  // Parses the official field names (`dim`, `z_dim`, `dim_mult`, `num_res_blocks`,
  // `attn_scales`, `temperal_downsample`, `dropout`, `latent_mean`, `latent_std`);
  // missing fields keep the Wan2.1 values. Throws std::invalid_argument for
  // malformed JSON, wrongly typed fields, attention inside the stages
  // (non-empty attn_scales) or anything validate() rejects.
  static VaeConfig from_json(const std::string& json_text);

  // Throws std::invalid_argument naming the field when the configuration does
  // not describe a working model.
  void validate() const;

  // Pixels per latent cell along H and W (8 for Wan2.1).
  std::int64_t spatial_factor() const;
  // Pixel frames per latent frame after the first (4 for Wan2.1).
  std::int64_t temporal_factor() const;
  // Encoder stage widths dim * [1, dim_mult...] (encoder input side first).
  std::vector<std::int64_t> encoder_widths() const;
  // Decoder stage widths dim * [dim_mult.back(), reversed dim_mult...].
  std::vector<std::int64_t> decoder_widths() const;
  // temperal_downsample reversed (one flag per decoder upsample).
  std::vector<bool> temperal_upsample() const;
};

}  // namespace animate::wan
