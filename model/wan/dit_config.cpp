#include "model/wan/dit_config.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "model/io/json_field.h"
#include "model/wan/rope.h"

namespace animate::wan {

namespace {

using Json = nlohmann::json;

template <typename T>
void read_field(const Json& json, const char* key, T& out) {
  io::read_optional_field(json, key, out, "DiT");
}

void require_positive(const char* field, std::int64_t value) {
  if (value <= 0) {
    throw std::invalid_argument(std::string("DiT config: ") + field + " must be positive, got " +
                                std::to_string(value));
  }
}

}  // namespace

DitConfig DitConfig::wan21_i2v_14b() {
  return DitConfig{};
}

DitConfig DitConfig::from_json(const std::string& json_text) {
  Json json;
  try {
    json = Json::parse(json_text);
  } catch (const Json::exception& e) {
    throw std::invalid_argument(std::string("DiT config: malformed JSON: ") + e.what());
  }
  if (!json.is_object()) throw std::invalid_argument("DiT config: expected a JSON object");
  DitConfig c;
  read_field(json, "model_type", c.model_type);
  read_field(json, "dim", c.dim);
  read_field(json, "ffn_dim", c.ffn_dim);
  read_field(json, "freq_dim", c.freq_dim);
  read_field(json, "in_dim", c.in_dim);
  read_field(json, "out_dim", c.out_dim);
  read_field(json, "num_heads", c.num_heads);
  read_field(json, "num_layers", c.num_layers);
  read_field(json, "text_len", c.text_len);
  read_field(json, "eps", c.eps);
  read_field(json, "text_dim", c.text_dim);
  read_field(json, "patch_size", c.patch_size);
  read_field(json, "window_size", c.window_size);
  read_field(json, "qk_norm", c.qk_norm);
  read_field(json, "cross_attn_norm", c.cross_attn_norm);
  read_field(json, "clip_dim", c.clip_dim);
  read_field(json, "clip_tokens", c.clip_tokens);
  c.validate();
  return c;
}

void DitConfig::validate() const {
  if (model_type != "i2v" && model_type != "t2v") {
    throw std::invalid_argument("DiT config: model_type '" + model_type +
                                "' is not supported (expected 'i2v' or 't2v')");
  }
  require_positive("dim", dim);
  require_positive("ffn_dim", ffn_dim);
  require_positive("freq_dim", freq_dim);
  require_positive("in_dim", in_dim);
  require_positive("out_dim", out_dim);
  require_positive("num_heads", num_heads);
  require_positive("num_layers", num_layers);
  require_positive("text_dim", text_dim);
  for (std::int64_t p : patch_size) require_positive("patch_size", p);
  if (has_image_input()) {
    require_positive("clip_dim", clip_dim);
    require_positive("clip_tokens", clip_tokens);
  }
  if (freq_dim % 2 != 0) {
    throw std::invalid_argument("DiT config: freq_dim " + std::to_string(freq_dim) +
                                " must be even (cos and sin halves)");
  }
  if (!(eps > 0.0)) throw std::invalid_argument("DiT config: eps must be positive");
  if (dim % num_heads != 0) {
    throw std::invalid_argument("DiT config: dim " + std::to_string(dim) +
                                " is not divisible by num_heads " + std::to_string(num_heads));
  }
  if (window_size[0] != -1 || window_size[1] != -1) {
    throw std::invalid_argument("DiT config: window_size [" + std::to_string(window_size[0]) +
                                ", " + std::to_string(window_size[1]) +
                                "] is not supported (only global attention [-1, -1])");
  }
  try {
    rope_split(head_dim());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("DiT config: dim " + std::to_string(dim) + " / num_heads " +
                                std::to_string(num_heads) + " gives head_dim " +
                                std::to_string(head_dim()) + ", unusable: " + e.what());
  }
}

}  // namespace animate::wan
