#pragma once
// Everything AnimationPipeline needs to load: the weight files and, per
// component, either explicit hyper-parameters (golden cases carry them in
// case.json) or nothing, in which case the DiT's come from config.json and
// the VAE's, CLIP's and umT5's are read off the weights.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>

#include "model/pipeline/model_files.h"
#include "model/wan/dit_config.h"
#include "model/wan/t5_config.h"
#include "model/wan/vae_config.h"

namespace animate::pipeline {

// ViT-H/14's attention heads are 80 wide (1280 / 16). The head count is not
// recorded in the CLIP weights, so it is width / 80 unless configured.
inline constexpr std::int64_t kClipHeadWidth = 80;

struct PipelineConfig {
  ModelFiles files;

  // Unset: config.json (DiT), inferred from the weights (VAE, umT5).
  std::optional<wan::DitConfig> dit;
  std::optional<wan::VaeConfig> vae;
  std::optional<wan::T5EncoderConfig> t5;
  // Unset: CLIP width / kClipHeadWidth.
  std::optional<std::int64_t> clip_heads;
  double clip_eps = 1e-5;
  // Merge scale of the UniAnimate LoRA (the examples use 1.0).
  double lora_alpha = 1.0;

  // Where and how the model runs. DiT, VAE and umT5 compute in `dtype`
  // (bfloat16 on GPU like the reference, float32 for parity); CLIP in
  // clip_dtype; the pose encoders always in float32 (as the reference).
  c10::Device device{c10::kCPU};
  at::ScalarType dtype = at::kFloat;
  at::ScalarType clip_dtype = at::kFloat;
  // umT5 elsewhere (e.g. the CPU, keeping ~11 GB off the accelerator; its
  // outputs are cached per prompt anyway). Unset: `device`.
  std::optional<c10::Device> text_encoder_device;
  // Prompt contexts kept (the default and negative prompts are constant).
  std::size_t prompt_cache_capacity = 8;

  // The official Wan folder plus a UniAnimate checkpoint file, or a model
  // root with both in their release places (see model_files.h). Throws
  // ModelFilesError naming a missing file and the layout.
  static PipelineConfig from_official_folder(const std::filesystem::path& wan_dir,
                                             const std::filesystem::path& unianimate_checkpoint);
  static PipelineConfig from_model_root(const std::filesystem::path& model_root);
};

}  // namespace animate::pipeline
