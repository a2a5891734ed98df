#pragma once
// Where the weight files of a UniAnimate-DiT model live. The official layout
// (what the Wan2.1 and UniAnimate-DiT downloads produce):
//
//   <root>/Wan2.1-I2V-14B-720P/                  the Wan folder
//     config.json                                 DiT hyper-parameters
//     diffusion_pytorch_model.safetensors.index.json + diffusion_pytorch_model-*-of-*.safetensors
//       (or one diffusion_pytorch_model.safetensors)
//     Wan2.1_VAE.pth                              (or Wan2.1_VAE.safetensors)
//     models_clip_open-clip-xlm-roberta-large-vit-huge-14.pth   (or .safetensors)
//     models_t5_umt5-xxl-enc-bf16.pth             (or .safetensors)
//     google/umt5-xxl/spiece.model
//   <root>/checkpoints/UniAnimate-Wan2.1-14B-Lora-12000.ckpt   (or .safetensors)
//
// `.safetensors` repackagings (same tensor names) are accepted wherever a
// torch `.pth`/`.ckpt` is expected; when both exist the original wins.
#include <filesystem>
#include <string>

#include "model/io/error.h"

namespace animate::pipeline {

// A required file or folder is absent. The message names it and prints the
// expected layout.
class ModelFilesError : public io::ContentError {
 public:
  using io::ContentError::ContentError;
};

struct ModelFiles {
  std::filesystem::path dit;         // shard index, single .safetensors, or a folder of either
  std::filesystem::path dit_config;  // config.json; may be empty when the config is given
  std::filesystem::path vae;
  std::filesystem::path clip;
  std::filesystem::path t5;
  std::filesystem::path tokenizer;   // spiece.model
  std::filesystem::path unianimate;  // LoRA + pose nets

  // Throws ModelFilesError for the first listed path that does not exist.
  void require_present() const;
};

// Official file names.
inline constexpr const char* kWanFolderName = "Wan2.1-I2V-14B-720P";
inline constexpr const char* kUniAnimateCheckpointName = "UniAnimate-Wan2.1-14B-Lora-12000";

// The files of a Wan folder plus a UniAnimate checkpoint (file path). Throws
// ModelFilesError naming the first missing file and the expected layout.
ModelFiles locate_model_files(const std::filesystem::path& wan_dir,
                              const std::filesystem::path& unianimate_checkpoint);

// The files under a model root holding `Wan2.1-I2V-14B-720P/` and
// `checkpoints/UniAnimate-Wan2.1-14B-Lora-12000.ckpt` (or .safetensors).
ModelFiles locate_model_files(const std::filesystem::path& model_root);

// The layout above as text, for error messages and --help.
std::string expected_model_layout();

}  // namespace animate::pipeline
