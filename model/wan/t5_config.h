#pragma once
// Hyper-parameters of the umT5 encoder (Wan's `models_t5_umt5-xxl-enc-bf16.pth`)
// and how to read them off a checkpoint.
#include <cstdint>
#include <string>
#include <vector>

#include "model/io/checkpoint_view.h"

namespace animate::wan {

struct T5EncoderConfig {
  std::int64_t vocab = 256384;  // embedding rows (the tokenizer uses 256300 ids)
  std::int64_t dim = 4096;
  std::int64_t dim_attn = 4096;
  std::int64_t dim_ffn = 10240;
  std::int64_t num_heads = 64;
  std::int64_t num_layers = 24;
  std::int64_t num_buckets = 32;
  // Not recorded in the weights: the reference's fixed values.
  std::int64_t max_distance = 128;
  double eps = 1e-6;
  // umT5: every block owns a relative-position table; T5 v1.1 shares one.
  bool shared_pos = false;

  // umT5-XXL's encoder as shipped with Wan2.1.
  static T5EncoderConfig umt5_xxl();

  // Reads vocab, widths, heads, block count, bucket count and shared_pos from
  // the tensor shapes (official key names); max_distance and eps keep their
  // defaults. Throws io::ContentError naming the tensor when a shape is
  // inconsistent or a required tensor is missing.
  static T5EncoderConfig infer(const io::CheckpointView& weights);

  std::int64_t head_dim() const { return dim_attn / num_heads; }

  // Every tensor name the encoder reads (official names).
  std::vector<std::string> parameter_names() const;

  // Throws std::invalid_argument naming the field when the configuration
  // cannot describe a working encoder.
  void validate() const;
};

// "field: a vs b" for every shape-relevant field that differs (empty when
// `a` and `b` describe the same weights).
std::vector<std::string> config_differences(const T5EncoderConfig& a, const T5EncoderConfig& b);

}  // namespace animate::wan
