#include "model/tools/tiny_model/tiny_model.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "model/io/safetensors_writer.h"
#include "model/pipeline/model_files.h"
#include "model/tools/tiny_model/tiny_spm_model.h"
#include "model/wan/dit_weights.h"
#include "model/wan/vae_weights.h"

namespace animate::tiny_model {
namespace {

namespace fs = std::filesystem;
using Shape = std::vector<std::int64_t>;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Random tensors from one seeded generator, scaled so activations stay O(1)
// through the tiny networks (no NaN, no saturation, outputs that depend on
// the noise).
class WeightDrawer {
 public:
  explicit WeightDrawer(std::uint64_t seed)
      : generator_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}

  at::Tensor normal(const Shape& shape, double std) {
    return at::randn(shape, generator_, at::TensorOptions().dtype(at::kFloat)) * std;
  }
  // Fan-in scaled weights for linears and convolutions.
  at::Tensor fan_in(const Shape& shape, double gain = 1.0) {
    std::int64_t fan = 1;
    for (std::size_t i = 1; i < shape.size(); ++i) fan *= shape[i];
    return normal(shape, gain / std::sqrt(static_cast<double>(fan)));
  }
  // Norm scales around 1.
  at::Tensor scale(const Shape& shape) { return 1.0 + normal(shape, 0.1); }

  // A parameter by its role, read from its checkpoint name.
  at::Tensor parameter(const std::string& name, const Shape& shape) {
    if (ends_with(name, ".bias") || ends_with(name, "_embedding") || name == "cls_embedding") {
      return normal(shape, 0.02);
    }
    if (name.find("modulation") != std::string::npos) return normal(shape, 0.1);
    if (ends_with(name, ".gamma") || shape.size() == 1) return scale(shape);
    return fan_in(shape);
  }

 private:
  at::Generator generator_;
};

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::int64_t byte_size(const at::Tensor& t) {
  return static_cast<std::int64_t>(t.numel() * t.element_size());
}

void write_dit(const fs::path& wan_dir, const wan::DitConfig& config, WeightDrawer& draw) {
  io::NamedTensors tensors;
  wan::DitWeights scratch;
  wan::visit_dit_parameters(scratch, config,
                            [&](const std::string& name, at::Tensor&, const Shape& shape) {
                              tensors.emplace_back(name, draw.parameter(name, shape));
                            });
  // Two shards, split in name order like the release's seven.
  std::sort(tensors.begin(), tensors.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  const std::size_t half = tensors.size() / 2;
  const std::string shard_names[2] = {"diffusion_pytorch_model-00001-of-00002.safetensors",
                                      "diffusion_pytorch_model-00002-of-00002.safetensors"};
  nlohmann::json index;
  std::int64_t total = 0;
  for (int shard = 0; shard < 2; ++shard) {
    const auto begin = tensors.begin() + (shard == 0 ? 0 : static_cast<std::ptrdiff_t>(half));
    const auto end =
        shard == 0 ? tensors.begin() + static_cast<std::ptrdiff_t>(half) : tensors.end();
    io::NamedTensors part(begin, end);
    for (const auto& [name, tensor] : part) {
      index["weight_map"][name] = shard_names[shard];
      total += byte_size(tensor);
    }
    io::write_safetensors((wan_dir / shard_names[shard]).string(), part);
  }
  index["metadata"]["total_size"] = total;
  write_text(wan_dir / "diffusion_pytorch_model.safetensors.index.json", index.dump(2));

  // The official config.json fields, plus the widths the release implies
  // (text_dim 4096, clip_dim 1280) since a tiny model differs there.
  nlohmann::json json = {{"_class_name", "WanModel"},
                         {"model_type", config.model_type},
                         {"dim", config.dim},
                         {"ffn_dim", config.ffn_dim},
                         {"freq_dim", config.freq_dim},
                         {"in_dim", config.in_dim},
                         {"out_dim", config.out_dim},
                         {"num_heads", config.num_heads},
                         {"num_layers", config.num_layers},
                         {"text_len", config.text_len},
                         {"eps", config.eps},
                         {"text_dim", config.text_dim},
                         {"clip_dim", config.clip_dim}};
  write_text(wan_dir / "config.json", json.dump(2));
}

void write_vae(const fs::path& wan_dir, const wan::VaeConfig& config, WeightDrawer& draw) {
  io::NamedTensors tensors;
  wan::VaeWeights scratch;
  wan::visit_vae_parameters(scratch, config,
                            [&](const std::string& name, at::Tensor&, const Shape& shape) {
                              tensors.emplace_back(name, draw.parameter(name, shape));
                            });
  io::write_safetensors((wan_dir / "Wan2.1_VAE.safetensors").string(), tensors);
}

void write_clip(const fs::path& wan_dir, const TinyModelSizes& sizes, WeightDrawer& draw) {
  const std::int64_t w = sizes.clip_width, patch = 14, tokens = 257, mlp = 4 * w;
  io::NamedTensors tensors = {
      {"log_scale", at::full({}, 4.6052, at::kFloat)},
      {"visual.patch_embedding.weight", draw.fan_in({w, 3, patch, patch})},
      {"visual.cls_embedding", draw.normal({1, 1, w}, 0.02)},
      {"visual.pos_embedding", draw.normal({1, tokens, w}, 0.02)},
      {"visual.pre_norm.weight", draw.scale({w})},
      {"visual.pre_norm.bias", draw.normal({w}, 0.02)},
  };
  for (std::int64_t i = 0; i < sizes.clip_layers; ++i) {
    const std::string p = "visual.transformer." + std::to_string(i) + ".";
    const std::pair<std::string, Shape> leaves[] = {{"norm1.weight", {w}},
                                                    {"norm1.bias", {w}},
                                                    {"attn.to_qkv.weight", {3 * w, w}},
                                                    {"attn.to_qkv.bias", {3 * w}},
                                                    {"attn.proj.weight", {w, w}},
                                                    {"attn.proj.bias", {w}},
                                                    {"norm2.weight", {w}},
                                                    {"norm2.bias", {w}},
                                                    {"mlp.0.weight", {mlp, w}},
                                                    {"mlp.0.bias", {mlp}},
                                                    {"mlp.2.weight", {w, mlp}},
                                                    {"mlp.2.bias", {w}}};
    for (const auto& [leaf, shape] : leaves) {
      tensors.emplace_back(p + leaf, draw.parameter(p + leaf, shape));
    }
  }
  io::write_safetensors(
      (wan_dir / "models_clip_open-clip-xlm-roberta-large-vit-huge-14.safetensors").string(),
      tensors);
}

void write_t5(const fs::path& wan_dir, const wan::T5EncoderConfig& c, WeightDrawer& draw) {
  io::NamedTensors tensors;
  auto add = [&](const std::string& name, const at::Tensor& value) {
    // Stored in bfloat16 like models_t5_umt5-xxl-enc-bf16.pth.
    tensors.emplace_back(name, value.to(at::kBFloat16));
  };
  add("token_embedding.weight", draw.normal({c.vocab, c.dim}, 1.0));
  for (std::int64_t i = 0; i < c.num_layers; ++i) {
    const std::string p = "blocks." + std::to_string(i) + ".";
    add(p + "norm1.weight", draw.scale({c.dim}));
    // T5 attention has no 1/sqrt(d) scaling: keep q small so logits stay O(1).
    add(p + "attn.q.weight", draw.fan_in({c.dim_attn, c.dim}, 0.3));
    add(p + "attn.k.weight", draw.fan_in({c.dim_attn, c.dim}));
    add(p + "attn.v.weight", draw.fan_in({c.dim_attn, c.dim}));
    add(p + "attn.o.weight", draw.fan_in({c.dim, c.dim_attn}));
    add(p + "norm2.weight", draw.scale({c.dim}));
    add(p + "ffn.gate.0.weight", draw.fan_in({c.dim_ffn, c.dim}));
    add(p + "ffn.fc1.weight", draw.fan_in({c.dim_ffn, c.dim}));
    add(p + "ffn.fc2.weight", draw.fan_in({c.dim, c.dim_ffn}));
    add(p + "pos_embedding.embedding.weight", draw.normal({c.num_buckets, c.num_heads}, 0.5));
  }
  add("norm.weight", draw.scale({c.dim}));
  io::write_safetensors((wan_dir / "models_t5_umt5-xxl-enc-bf16.safetensors").string(), tensors);
}

void write_unianimate(const fs::path& path, const TinyModelSizes& sizes, WeightDrawer& draw) {
  const wan::DitConfig& d = sizes.dit;
  const std::int64_t r = sizes.lora_rank;
  io::NamedTensors tensors;
  // LoRA pairs under the release's PEFT names (lora_B is random here, not zero
  // as at the start of training, so the merge changes the outputs).
  for (std::int64_t i = 0; i < d.num_layers; ++i) {
    const std::string block = "pipe.dit.blocks." + std::to_string(i) + ".";
    std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> targets;
    for (const char* attn : {"self_attn.", "cross_attn."}) {
      for (const char* proj : {"q", "k", "v", "o"}) {
        targets.emplace_back(std::string(attn) + proj, d.dim, d.dim);
      }
    }
    targets.emplace_back("ffn.0", d.dim, d.ffn_dim);
    targets.emplace_back("ffn.2", d.ffn_dim, d.dim);
    for (const auto& [module, in, out] : targets) {
      tensors.emplace_back(block + module + ".lora_A.default.weight", draw.fan_in({r, in}));
      tensors.emplace_back(block + module + ".lora_B.default.weight", draw.normal({out, r}, 0.05));
    }
  }
  // dwpose_embedding: Conv3d stack 3 -> 16 ... -> dim (spec 2.1).
  const Shape dwpose[] = {{16, 3, 3, 3, 3},    {16, 16, 3, 3, 3}, {16, 16, 3, 3, 3},
                          {16, 16, 3, 3, 3},   {16, 16, 3, 3, 3}, {16, 16, 3, 3, 3},
                          {d.dim, 16, 1, 2, 2}};
  for (std::size_t k = 0; k < 7; ++k) {
    const std::string p = "dwpose_embedding." + std::to_string(2 * k) + ".";
    tensors.emplace_back(p + "weight", draw.fan_in(dwpose[k]));
    tensors.emplace_back(p + "bias", draw.normal({dwpose[k][0]}, 0.02));
  }
  // randomref_embedding_pose: Conv2d stack 3 -> 16 ... -> 20 (spec 2.2).
  const Shape refpose[] = {{16, 3, 3, 3},  {16, 16, 3, 3}, {16, 16, 3, 3},
                           {16, 16, 3, 3}, {16, 16, 3, 3}, {d.in_dim - d.out_dim, 16, 3, 3}};
  for (std::size_t k = 0; k < 6; ++k) {
    const std::string p = "randomref_embedding_pose." + std::to_string(2 * k) + ".";
    tensors.emplace_back(p + "weight", draw.fan_in(refpose[k]));
    tensors.emplace_back(p + "bias", draw.normal({refpose[k][0]}, 0.02));
  }
  io::write_safetensors(path.string(), tensors);
}

}  // namespace

TinyModelSizes default_tiny_sizes() {
  TinyModelSizes sizes;
  wan::DitConfig& d = sizes.dit;
  d.dim = 48;
  d.ffn_dim = 96;
  d.num_heads = 2;  // head dim 24: RoPE split 8 / 8 / 8
  d.num_layers = 2;
  d.text_dim = 32;
  d.clip_dim = sizes.clip_width;
  wan::VaeConfig& v = sizes.vae;
  v = wan::VaeConfig::wan21();
  v.dim = 4;
  v.num_res_blocks = 1;
  wan::T5EncoderConfig& t = sizes.t5;
  t.vocab = tiny_spm_vocab_size() + 4;  // like umT5, a few rows more than the tokenizer
  t.dim = d.text_dim;
  t.dim_attn = 32;
  t.dim_ffn = 64;
  t.num_heads = 4;
  t.num_layers = 2;
  return sizes;
}

fs::path write_tiny_model(const fs::path& dir, std::uint64_t seed, const TinyModelSizes& sizes) {
  sizes.dit.validate();
  sizes.vae.validate();
  sizes.t5.validate();
  if (sizes.dit.clip_dim != sizes.clip_width || sizes.dit.text_dim != sizes.t5.dim) {
    throw std::invalid_argument(
        "tiny model sizes: dit.clip_dim must equal clip_width and dit.text_dim t5.dim");
  }
  const fs::path wan_dir = dir / pipeline::kWanFolderName;
  fs::create_directories(wan_dir / "google" / "umt5-xxl");
  fs::create_directories(dir / "checkpoints");
  WeightDrawer draw(seed);
  write_dit(wan_dir, sizes.dit, draw);
  write_vae(wan_dir, sizes.vae, draw);
  write_clip(wan_dir, sizes, draw);
  write_t5(wan_dir, sizes.t5, draw);
  write_text(wan_dir / "google" / "umt5-xxl" / "spiece.model", tiny_spm_model_bytes());
  write_unianimate(
      dir / "checkpoints" / (std::string(pipeline::kUniAnimateCheckpointName) + ".safetensors"),
      sizes, draw);
  return dir;
}

}  // namespace animate::tiny_model
