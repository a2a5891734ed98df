#pragma once
// LoRA merging into the Wan DiT. Checkpoint layouts are first turned into a
// list of LoraPair (one low-rank update per DiT weight); merging only sees
// that list, so a new layout only needs a new way of naming the pairs.
//
// Recognised layouts (the suffix decides, any mix of prefixes is accepted):
//  - PEFT with adapter name (UniAnimate .ckpt): <module>.lora_A.<adapter>.weight,
//    <module>.lora_B.<adapter>.weight (one adapter per file);
//  - PEFT / diffusers: <module>.lora_A.weight, <module>.lora_B.weight;
//  - kohya / ComfyUI: <module>.lora_down.weight, <module>.lora_up.weight, and
//    an optional <module>.alpha (scale alpha / rank); module names may be
//    "lora_unet_blocks_0_self_attn_q" (dots written as underscores).
// Module prefixes stripped: "pipe.dit.", "model.diffusion_model.",
// "diffusion_model.", "base_model.model.", "transformer.", "lora_unet_";
// diffusers block names (attn1.to_q, attn2.add_k_proj, ffn.net.0.proj, ...)
// are mapped to the official ones.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "model/io/tensor_source.h"
#include "model/wan/dit.h"

namespace animate::unianimate {

// W <- W + scale * (up @ down) for the DiT parameter `target`.
struct LoraPair {
  std::string target;  // DiT parameter, e.g. "blocks.0.self_attn.q.weight"
  std::string key;     // the checkpoint's module key, for messages
  at::Tensor down;     // lora_A / lora_down [rank, in]
  at::Tensor up;       // lora_B / lora_up [out, rank]
  double scale = 1.0;  // multiplier x (alpha / rank when the layout stores alpha)
  std::int64_t rank() const { return down.defined() ? down.size(0) : 0; }
};

struct LoraCollectOptions {
  // Global strength; the UniAnimate examples merge with lora_alpha = 1.0 and no
  // alpha/rank factor (their checkpoint stores no alpha).
  double multiplier = 1.0;
};

// Reads every LoRA tensor of `source` and names its DiT target among
// `modules` (DiT linear layer names without ".weight"). Tensors that are not
// LoRA tensors (pose nets, base weights) are ignored. Throws io::ContentError
// for an unpaired lora_A/lora_B, several adapters in one file, or a module
// that matches no DiT layer (all unmatched modules are listed).
std::vector<LoraPair> collect_lora_pairs(const io::TensorSource& source,
                                         const std::vector<std::string>& modules,
                                         const LoraCollectOptions& options = {});

// Names of the DiT linear layers (without ".weight") a LoRA may target.
std::vector<std::string> dit_linear_modules(wan::WanDiT& dit);

// The 10 weights per block UniAnimate adapts: self_attn/cross_attn q,k,v,o and
// ffn.0, ffn.2 (not cross_attn.k_img/v_img).
std::vector<std::string> unianimate_lora_targets(const wan::DitConfig& config);

// Validates everything first (known 2-D target, down [r, in] and up [out, r]
// fitting the weight, no target twice, every `required_targets` present,
// listing what is missing), then merges in float32 on the DiT's device and
// casts back to the weight's dtype. Returns the number of merged weights.
std::size_t merge_lora(wan::WanDiT& dit, const std::vector<LoraPair>& pairs,
                       const std::vector<std::string>& required_targets = {});

// The UniAnimate checkpoint: collect, require all 10 targets of every block, merge.
std::size_t merge_unianimate_lora(wan::WanDiT& dit, const io::TensorSource& checkpoint,
                                  double lora_alpha = 1.0);

}  // namespace animate::unianimate
