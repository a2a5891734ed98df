#pragma once
// Hyper-parameters of a Wan2.1 DiT, named as in the official config.json.
#include <array>
#include <cstdint>
#include <string>

namespace animate::wan {

struct DitConfig {
  // "i2v" (image tokens in cross-attention, 36 input channels) or "t2v".
  std::string model_type = "i2v";
  std::int64_t dim = 5120;
  std::int64_t ffn_dim = 13824;
  std::int64_t freq_dim = 256;
  std::int64_t in_dim = 36;
  std::int64_t out_dim = 16;
  std::int64_t num_heads = 40;
  std::int64_t num_layers = 40;
  std::int64_t text_len = 512;
  double eps = 1e-6;
  std::int64_t text_dim = 4096;
  std::array<std::int64_t, 3> patch_size{1, 2, 2};
  // Only global attention (-1, -1) is supported.
  std::array<std::int64_t, 2> window_size{-1, -1};
  bool qk_norm = true;
  bool cross_attn_norm = true;
  // Width of the CLIP tokens fed to img_emb (1280 for ViT-H/14) and their count.
  std::int64_t clip_dim = 1280;
  std::int64_t clip_tokens = 257;

  // The released Wan2.1-I2V-14B (720P and 480P share the DiT shape).
  static DitConfig wan21_i2v_14b();
  // Parses config.json text (official names; unknown fields are ignored,
  // missing ones keep the I2V-14B defaults). Throws std::invalid_argument on
  // malformed JSON or wrongly typed fields, and validates the result.
  static DitConfig from_json(const std::string& json_text);

  bool has_image_input() const { return model_type == "i2v"; }
  std::int64_t head_dim() const { return dim / num_heads; }
  std::int64_t patch_volume() const { return patch_size[0] * patch_size[1] * patch_size[2]; }

  // Throws std::invalid_argument naming the field when the configuration
  // cannot describe a working model (e.g. a head dim the 3-D RoPE cannot split).
  void validate() const;
};

}  // namespace animate::wan
