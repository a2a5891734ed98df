#pragma once
// Hyper-parameters of the CLIP vision tower Wan uses (open-clip XLM-RoBERTa
// ViT-H/14), and how to read them off a checkpoint.
#include <cstdint>
#include <string>

#include "model/io/checkpoint_view.h"

namespace animate::wan {

struct ClipVisionConfig {
  std::int64_t image_size = 224;
  std::int64_t patch_size = 14;
  std::int64_t width = 1280;
  // Transformer blocks stored in the checkpoint; Wan runs all but the last.
  std::int64_t layers = 32;
  std::int64_t heads = 16;
  std::int64_t mlp_dim = 5120;
  double eps = 1e-5;

  // The released Wan2.1 image encoder (ViT-H/14 at 224, width 1280, 32 blocks).
  static ClipVisionConfig vit_h_14();

  // Reads width, patch, image size, block count and MLP width from the
  // tensor shapes of the vision tower's weights (names without "visual.").
  // The head count is not recorded in the weights and is taken from `heads`.
  // Throws io::ContentError naming the tensor when a shape is inconsistent
  // (e.g. a position table that is not 1 + (image/patch)^2 long).
  static ClipVisionConfig infer(const io::CheckpointView& visual, std::int64_t heads);

  std::int64_t grid() const { return image_size / patch_size; }
  std::int64_t tokens() const { return grid() * grid() + 1; }
  std::int64_t head_dim() const { return width / heads; }
  // Blocks the forward pass runs (Wan's use_31_block: all but the last).
  std::int64_t run_layers() const { return layers - 1; }
  double mlp_ratio() const { return static_cast<double>(mlp_dim) / static_cast<double>(width); }

  // Throws std::invalid_argument naming the field when the configuration
  // cannot describe a working tower.
  void validate() const;
};

}  // namespace animate::wan
