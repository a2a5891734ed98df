#include "model/pipeline/vae_config_inference.h"

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "model/io/error.h"

namespace animate::pipeline {
namespace {

struct Stage {
  std::int64_t blocks = 0;
  std::int64_t width = 0;  // output channels of the stage's residual blocks
  bool temporal_downsample = false;
};

[[noreturn]] void fail(const io::CheckpointView& view, const std::string& what) {
  throw io::ContentError(io::describe(view.origin(), "cannot infer the Wan VAE config: " + what));
}

std::int64_t out_channels(const io::CheckpointView& view, const std::string& key) {
  if (!view.contains(key)) fail(view, "tensor '" + key + "' is missing");
  return view.get(key).size(0);
}

}  // namespace

wan::VaeConfig infer_vae_config(const io::CheckpointView& view) {
  wan::VaeConfig config = wan::VaeConfig::wan21();
  config.dim = out_channels(view, "encoder.conv1.weight");
  config.z_dim = out_channels(view, "conv2.weight");
  if (config.z_dim != static_cast<std::int64_t>(config.latent_mean.size())) {
    fail(view, "z_dim " + std::to_string(config.z_dim) +
                   " has no known latent statistics (only the Wan2.1 z_dim 16 does)");
  }

  // encoder.downsamples.* is a flat list: the residual blocks of a stage, then
  // (except after the last stage) one resample.
  std::vector<Stage> stages(1);
  for (std::int64_t index = 0;; ++index) {
    const std::string prefix = "encoder.downsamples." + std::to_string(index) + ".";
    if (view.contains(prefix + "residual.2.weight")) {
      stages.back().blocks += 1;
      stages.back().width = out_channels(view, prefix + "residual.2.weight");
    } else if (view.contains(prefix + "resample.1.weight")) {
      stages.back().temporal_downsample = view.contains(prefix + "time_conv.weight");
      stages.emplace_back();
    } else {
      break;
    }
  }
  if (stages.back().blocks == 0) fail(view, "no residual block after the last resample");

  config.num_res_blocks = stages.front().blocks;
  config.dim_mult.clear();
  config.temperal_downsample.clear();
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const Stage& stage = stages[i];
    if (stage.blocks != config.num_res_blocks) {
      fail(view, "encoder stage " + std::to_string(i) + " has " + std::to_string(stage.blocks) +
                     " residual blocks, stage 0 has " + std::to_string(config.num_res_blocks));
    }
    if (stage.width % config.dim != 0) {
      fail(view, "encoder stage " + std::to_string(i) + " width " + std::to_string(stage.width) +
                     " is not a multiple of the base width " + std::to_string(config.dim));
    }
    config.dim_mult.push_back(stage.width / config.dim);
    if (i + 1 < stages.size()) config.temperal_downsample.push_back(stage.temporal_downsample);
  }
  try {
    config.validate();
  } catch (const std::invalid_argument& e) {
    fail(view, e.what());
  }
  return config;
}

}  // namespace animate::pipeline
