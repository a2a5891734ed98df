#include "model/wan/t5_config.h"

#include <sstream>
#include <stdexcept>

#include "model/io/error.h"
#include "model/io/shape_string.h"

namespace animate::wan {
namespace {

using io::shape_string;

at::Tensor matrix(const io::CheckpointView& weights, const std::string& name) {
  if (!weights.contains(name)) {
    throw io::ContentError(io::describe(weights.origin(), "umT5 tensor '" + name + "' is missing"));
  }
  at::Tensor tensor = weights.get(name);
  if (tensor.dim() != 2) {
    throw io::ContentError(io::describe(weights.origin(), "umT5 tensor '" + name + "' has shape " +
                                                              shape_string(tensor.sizes()) +
                                                              ", expected a matrix"));
  }
  return tensor;
}

std::string block_prefix(std::int64_t index) {
  return "blocks." + std::to_string(index) + ".";
}

}  // namespace

T5EncoderConfig T5EncoderConfig::umt5_xxl() {
  return T5EncoderConfig{};
}

T5EncoderConfig T5EncoderConfig::infer(const io::CheckpointView& weights) {
  T5EncoderConfig config;
  const at::Tensor embedding = matrix(weights, "token_embedding.weight");
  config.vocab = embedding.size(0);
  config.dim = embedding.size(1);
  config.num_layers = 0;
  while (weights.contains(block_prefix(config.num_layers) + "attn.q.weight")) ++config.num_layers;
  if (config.num_layers == 0) {
    throw io::ContentError(
        io::describe(weights.origin(), "umT5 checkpoint has no 'blocks.0.attn.q.weight'"));
  }
  config.dim_attn = matrix(weights, "blocks.0.attn.q.weight").size(0);
  config.dim_ffn = matrix(weights, "blocks.0.ffn.fc1.weight").size(0);
  config.shared_pos = weights.contains("pos_embedding.embedding.weight");
  const at::Tensor pos =
      matrix(weights, config.shared_pos ? "pos_embedding.embedding.weight"
                                        : "blocks.0.pos_embedding.embedding.weight");
  config.num_buckets = pos.size(0);
  config.num_heads = pos.size(1);
  try {
    config.validate();
  } catch (const std::invalid_argument& e) {
    throw io::ContentError(io::describe(weights.origin(), e.what()));
  }
  return config;
}

std::vector<std::string> T5EncoderConfig::parameter_names() const {
  std::vector<std::string> names = {"token_embedding.weight"};
  // emplace_back: GCC 12 at -O3 warns (-Warray-bounds, a false positive) on
  // push_back of a temporary std::string built from this literal.
  if (shared_pos) names.emplace_back("pos_embedding.embedding.weight");
  for (std::int64_t i = 0; i < num_layers; ++i) {
    const std::string prefix = block_prefix(i);
    for (const char* leaf :
         {"norm1.weight", "attn.q.weight", "attn.k.weight", "attn.v.weight", "attn.o.weight",
          "norm2.weight", "ffn.gate.0.weight", "ffn.fc1.weight", "ffn.fc2.weight"}) {
      names.push_back(prefix + leaf);
    }
    if (!shared_pos) names.push_back(prefix + "pos_embedding.embedding.weight");
  }
  names.push_back("norm.weight");
  return names;
}

void T5EncoderConfig::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("T5EncoderConfig: " + what);
  };
  auto positive = [&](std::int64_t value, const char* field) {
    require(value >= 1, std::string(field) + " must be >= 1, got " + std::to_string(value));
  };
  positive(vocab, "vocab");
  positive(dim, "dim");
  positive(dim_attn, "dim_attn");
  positive(dim_ffn, "dim_ffn");
  positive(num_heads, "num_heads");
  positive(num_layers, "num_layers");
  require(dim_attn % num_heads == 0, "num_heads (" + std::to_string(num_heads) +
                                         ") must divide dim_attn (" + std::to_string(dim_attn) +
                                         ")");
  // Bidirectional buckets: two halves, each with an exact and a log-spaced part.
  require(num_buckets >= 4 && num_buckets % 2 == 0,
          "num_buckets must be even and >= 4, got " + std::to_string(num_buckets));
  require(max_distance > num_buckets / 4, "max_distance (" + std::to_string(max_distance) +
                                              ") must exceed the exact range num_buckets / 4 (" +
                                              std::to_string(num_buckets / 4) + ")");
  require(eps > 0.0, "eps must be > 0");
}

std::vector<std::string> config_differences(const T5EncoderConfig& a, const T5EncoderConfig& b) {
  std::vector<std::string> out;
  auto compare = [&](const char* field, std::int64_t x, std::int64_t y) {
    if (x != y)
      out.push_back(std::string(field) + ": " + std::to_string(x) + " vs " + std::to_string(y));
  };
  compare("vocab", a.vocab, b.vocab);
  compare("dim", a.dim, b.dim);
  compare("dim_attn", a.dim_attn, b.dim_attn);
  compare("dim_ffn", a.dim_ffn, b.dim_ffn);
  compare("num_heads", a.num_heads, b.num_heads);
  compare("num_layers", a.num_layers, b.num_layers);
  compare("num_buckets", a.num_buckets, b.num_buckets);
  compare("shared_pos", a.shared_pos, b.shared_pos);
  return out;
}

}  // namespace animate::wan
