#pragma once
// The CLIP image encoder Wan2.1-I2V conditions on: the vision tower of
// open-clip XLM-RoBERTa-large ViT-H/14, run up to (not including) its last
// block, without post_norm or head (Wan's `visual(x, use_31_block=True)`),
// giving [B, 257, 1280] tokens for the DiT's img_emb.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>
#include <vector>

#include "model/io/checkpoint_view.h"
#include "model/wan/clip_vision_config.h"

namespace animate::wan {

struct ClipVisionOptions {
  // Compute dtype of the linear layers and activations (float32, bfloat16,
  // float16); LayerNorms and softmax always run in float32.
  at::ScalarType dtype = at::kFloat;
  c10::Device device{c10::kCPU};
};

// Intermediate hidden states, for debugging and parity tests.
struct ClipVisionTrace {
  at::Tensor embed;                // after patch + CLS + position embedding and pre_norm
  std::vector<at::Tensor> blocks;  // after each block that was run
};

// The vision tower's weights in the official checkpoint
// (models_clip_open-clip-xlm-roberta-large-vit-huge-14.pth): the "visual."
// subtree, also under DiffSynth's "model." prefix; textual.* and log_scale are
// not part of the view.
io::CheckpointView clip_visual_weights(const std::string& checkpoint_path);

class ClipVisionEncoder {
 public:
  // Loads the tensors the forward pass needs from `visual` (names without
  // "visual."), checking every shape against `config` first. The checkpoint
  // must hold exactly config.layers blocks. Throws io::ContentError naming the
  // missing tensors, or the tensor and both shapes on a mismatch, and
  // std::invalid_argument for an invalid config or dtype.
  static ClipVisionEncoder load(const io::CheckpointView& visual, const ClipVisionConfig& config,
                                const ClipVisionOptions& options = {});

  // pixels: normalised images [B, 3, image_size, image_size] (any float dtype
  // and device; moved to the encoder's). Returns [B, tokens, width] in the
  // compute dtype, CLS token first. Fills `trace` when given.
  at::Tensor forward(const at::Tensor& pixels, ClipVisionTrace* trace = nullptr) const;

  const ClipVisionConfig& config() const { return config_; }
  const ClipVisionOptions& options() const { return options_; }

 private:
  struct Norm {
    at::Tensor weight, bias;  // float32
  };
  struct Linear {
    at::Tensor weight, bias;  // compute dtype
  };
  struct Block {
    Norm norm1, norm2;
    Linear to_qkv, proj, mlp_in, mlp_out;
  };

  at::Tensor layer_norm(const at::Tensor& x, const Norm& norm) const;
  at::Tensor attention(const at::Tensor& x, const Block& block) const;
  at::Tensor run_block(const at::Tensor& x, const Block& block) const;

  ClipVisionConfig config_;
  ClipVisionOptions options_;
  at::Tensor patch_weight_;   // [width, 3, patch, patch]
  at::Tensor cls_embedding_;  // [1, 1, width]
  at::Tensor pos_embedding_;  // [1, tokens, width]
  Norm pre_norm_;
  std::vector<Block> blocks_;
};

}  // namespace animate::wan
