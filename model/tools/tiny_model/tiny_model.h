#pragma once
// A complete UniAnimate-DiT model with tiny random weights, written in the
// official folder layout (see model/pipeline/model_files.h), so tests and
// demos exercise exactly the loading path of the real release:
//
//   DIR/Wan2.1-I2V-14B-720P/config.json
//   DIR/Wan2.1-I2V-14B-720P/diffusion_pytorch_model-0000{1,2}-of-00002.safetensors + index
//   DIR/Wan2.1-I2V-14B-720P/Wan2.1_VAE.safetensors
//   DIR/Wan2.1-I2V-14B-720P/models_clip_open-clip-xlm-roberta-large-vit-huge-14.safetensors
//   DIR/Wan2.1-I2V-14B-720P/models_t5_umt5-xxl-enc-bf16.safetensors   (BF16 like the release)
//   DIR/Wan2.1-I2V-14B-720P/google/umt5-xxl/spiece.model
//   DIR/checkpoints/UniAnimate-Wan2.1-14B-Lora-12000.safetensors
//
// Torch files are written as their safetensors repackagings (same tensor
// names), which the loaders accept in place of .pth/.ckpt.
#include <cstdint>
#include <filesystem>

#include "model/wan/dit_config.h"
#include "model/wan/t5_config.h"
#include "model/wan/vae_config.h"

namespace animate::tiny_model {

struct TinyModelSizes {
  wan::DitConfig dit;
  wan::VaeConfig vae;
  wan::T5EncoderConfig t5;
  std::int64_t clip_width = 80;  // one 80-wide head, the width / 80 rule of the pipeline
  std::int64_t clip_layers = 2;  // the last one is never run
  std::int64_t lora_rank = 2;
};

// Sizes small enough that a 5-frame 64x64 job runs in well under a second on a CPU.
TinyModelSizes default_tiny_sizes();

// Writes the model under `dir` (created when needed; existing files are
// replaced). Same seed, same bytes. Returns `dir`.
std::filesystem::path write_tiny_model(const std::filesystem::path& dir, std::uint64_t seed = 0,
                                       const TinyModelSizes& sizes = default_tiny_sizes());

}  // namespace animate::tiny_model
