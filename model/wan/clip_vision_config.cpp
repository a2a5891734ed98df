#include "model/wan/clip_vision_config.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "model/io/error.h"
#include "model/io/shape_string.h"

namespace animate::wan {
namespace {

using io::shape_string;

[[noreturn]] void bad_shape(const io::CheckpointView& visual, const std::string& name,
                            const at::Tensor& tensor, const std::string& expectation) {
  throw io::ContentError(io::describe(
      visual.origin(), "CLIP vision tensor '" + name + "' has shape " +
                           shape_string(tensor.sizes()) + ", expected " + expectation));
}

// Number of consecutive blocks "transformer.0." ... present.
std::int64_t count_blocks(const io::CheckpointView& visual) {
  std::int64_t count = 0;
  while (visual.contains("transformer." + std::to_string(count) + ".attn.to_qkv.weight")) {
    ++count;
  }
  return count;
}

}  // namespace

ClipVisionConfig ClipVisionConfig::vit_h_14() {
  return ClipVisionConfig{};
}

ClipVisionConfig ClipVisionConfig::infer(const io::CheckpointView& visual, std::int64_t heads) {
  ClipVisionConfig config;
  config.heads = heads;
  const std::string patch_name = "patch_embedding.weight";
  const at::Tensor patch = visual.get(patch_name);
  if (patch.dim() != 4 || patch.size(1) != 3 || patch.size(2) != patch.size(3)) {
    bad_shape(visual, patch_name, patch, "[width, 3, patch, patch]");
  }
  config.width = patch.size(0);
  config.patch_size = patch.size(2);

  const std::string pos_name = "pos_embedding";
  const at::Tensor pos = visual.get(pos_name);
  if (pos.dim() != 3 || pos.size(0) != 1 || pos.size(2) != config.width) {
    bad_shape(visual, pos_name, pos, "[1, 1 + grid^2, " + std::to_string(config.width) + "]");
  }
  const std::int64_t patches = pos.size(1) - 1;
  const auto grid =
      static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(patches))));
  if (patches < 1 || grid * grid != patches) {
    bad_shape(visual, pos_name, pos, "1 + a square number of positions");
  }
  config.image_size = grid * config.patch_size;

  config.layers = count_blocks(visual);
  if (config.layers < 2) {
    throw io::ContentError(io::describe(
        visual.origin(), "CLIP vision tower has " + std::to_string(config.layers) +
                             " transformer block(s) ('transformer.<i>.attn.to_qkv.weight'); "
                             "Wan runs all but the last, so at least 2 are needed"));
  }
  const std::string mlp_name = "transformer.0.mlp.0.weight";
  const at::Tensor mlp = visual.get(mlp_name);
  if (mlp.dim() != 2 || mlp.size(1) != config.width) {
    bad_shape(visual, mlp_name, mlp, "[mlp_dim, " + std::to_string(config.width) + "]");
  }
  config.mlp_dim = mlp.size(0);
  config.validate();
  return config;
}

void ClipVisionConfig::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("ClipVisionConfig: " + what);
  };
  require(patch_size >= 1, "patch_size must be >= 1, got " + std::to_string(patch_size));
  require(image_size >= patch_size && image_size % patch_size == 0,
          "image_size (" + std::to_string(image_size) + ") must be a positive multiple of " +
              "patch_size (" + std::to_string(patch_size) + ")");
  require(width >= 1, "width must be >= 1, got " + std::to_string(width));
  require(
      heads >= 1 && width % heads == 0,
      "heads (" + std::to_string(heads) + ") must divide width (" + std::to_string(width) + ")");
  require(layers >= 2,
          "layers must be >= 2 (the last block is never run), got " + std::to_string(layers));
  require(mlp_dim >= 1, "mlp_dim must be >= 1, got " + std::to_string(mlp_dim));
  require(eps > 0.0, "eps must be > 0");
}

}  // namespace animate::wan
