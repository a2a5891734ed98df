#include "model/pipeline/model_files.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

namespace animate::pipeline {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void missing(const fs::path& path, const std::string& what) {
  throw ModelFilesError("missing model file: " + path.string() + " (" + what +
                        ")\nexpected layout:\n" + expected_model_layout());
}

// The first existing candidate; the original torch file name comes first.
fs::path first_existing(const std::vector<fs::path>& candidates, const std::string& what) {
  for (const auto& candidate : candidates) {
    if (fs::exists(candidate)) return candidate;
  }
  std::string tried;
  for (const auto& candidate : candidates) {
    tried += (tried.empty() ? "" : " or ") + candidate.filename().string();
  }
  missing(candidates.front(), what + "; looked for " + tried);
}

fs::path torch_or_safetensors(const fs::path& dir, const std::string& stem,
                              const std::string& torch_ext, const std::string& what) {
  return first_existing({dir / (stem + torch_ext), dir / (stem + ".safetensors")}, what);
}

// Every shard a DiT index names must be beside it; a partial download is the
// likely cause, so the shard is reported with the layout.
void require_shards(const fs::path& index_path) {
  std::ifstream in(index_path);
  nlohmann::json index;
  try {
    in >> index;
  } catch (const nlohmann::json::exception& e) {
    throw io::FormatError(
        io::describe(index_path.string(), std::string("malformed JSON: ") + e.what()));
  }
  if (!index.is_object() || !index.contains("weight_map") || !index.at("weight_map").is_object()) {
    throw io::FormatError(io::describe(index_path.string(), "no \"weight_map\" object"));
  }
  std::set<std::string> shards;
  for (const auto& item : index.at("weight_map").items()) {
    if (item.value().is_string()) shards.insert(item.value().get<std::string>());
  }
  for (const auto& shard : shards) {
    const fs::path path = index_path.parent_path() / shard;
    if (!fs::exists(path))
      missing(path, "DiT weight shard named by " + index_path.filename().string());
  }
}

}  // namespace

std::string expected_model_layout() {
  return "  <root>/Wan2.1-I2V-14B-720P/\n"
         "    config.json\n"
         "    diffusion_pytorch_model.safetensors.index.json + "
         "diffusion_pytorch_model-0000k-of-0000n.safetensors\n"
         "      (or a single diffusion_pytorch_model.safetensors)\n"
         "    Wan2.1_VAE.pth (or .safetensors)\n"
         "    models_clip_open-clip-xlm-roberta-large-vit-huge-14.pth (or .safetensors)\n"
         "    models_t5_umt5-xxl-enc-bf16.pth (or .safetensors)\n"
         "    google/umt5-xxl/spiece.model\n"
         "  <root>/checkpoints/UniAnimate-Wan2.1-14B-Lora-12000.ckpt (or .safetensors)";
}

void ModelFiles::require_present() const {
  const std::pair<const fs::path*, const char*> entries[] = {
      {&dit, "DiT weights"},
      {&dit_config, "DiT config.json"},
      {&vae, "VAE weights"},
      {&clip, "CLIP image encoder weights"},
      {&t5, "umT5 text encoder weights"},
      {&tokenizer, "umT5 SentencePiece tokenizer"},
      {&unianimate, "UniAnimate LoRA + pose encoder checkpoint"},
  };
  for (const auto& [path, what] : entries) {
    const bool optional = path == &dit_config;  // the DiT config may be given directly
    if (path->empty() && optional) continue;
    if (path->empty() || !fs::exists(*path)) missing(*path, what);
  }
}

ModelFiles locate_model_files(const fs::path& wan_dir, const fs::path& unianimate_checkpoint) {
  if (!fs::is_directory(wan_dir)) missing(wan_dir, "the Wan2.1-I2V-14B-720P folder");
  ModelFiles files;
  files.dit_config = first_existing({wan_dir / "config.json"}, "DiT config.json");
  files.dit = first_existing({wan_dir / "diffusion_pytorch_model.safetensors.index.json",
                              wan_dir / "diffusion_pytorch_model.safetensors"},
                             "DiT weights");
  if (files.dit.filename() == "diffusion_pytorch_model.safetensors.index.json") {
    require_shards(files.dit);
  }
  files.vae = torch_or_safetensors(wan_dir, "Wan2.1_VAE", ".pth", "VAE weights");
  files.clip = torch_or_safetensors(wan_dir, "models_clip_open-clip-xlm-roberta-large-vit-huge-14",
                                    ".pth", "CLIP image encoder weights");
  files.t5 = torch_or_safetensors(wan_dir, "models_t5_umt5-xxl-enc-bf16", ".pth",
                                  "umT5 text encoder weights");
  files.tokenizer = first_existing({wan_dir / "google" / "umt5-xxl" / "spiece.model"},
                                   "umT5 SentencePiece tokenizer");
  if (!fs::exists(unianimate_checkpoint)) {
    missing(unianimate_checkpoint, "UniAnimate LoRA + pose encoder checkpoint");
  }
  files.unianimate = unianimate_checkpoint;
  return files;
}

ModelFiles locate_model_files(const fs::path& model_root) {
  if (!fs::is_directory(model_root)) missing(model_root, "the model root folder");
  if (!fs::is_directory(model_root / kWanFolderName)) {
    missing(model_root / kWanFolderName, "the Wan2.1-I2V-14B-720P folder");
  }
  const fs::path checkpoint =
      torch_or_safetensors(model_root / "checkpoints", kUniAnimateCheckpointName, ".ckpt",
                           "UniAnimate LoRA + pose encoder checkpoint");
  return locate_model_files(model_root / kWanFolderName, checkpoint);
}

}  // namespace animate::pipeline
