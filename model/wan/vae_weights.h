#pragma once
// Parameters of the Wan2.1 VAE as plain tensors, named and shaped exactly like
// `Wan2.1_VAE.pth` (the official `WanVAE_` state dict).
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/io/checkpoint_view.h"
#include "model/wan/vae_config.h"

namespace animate::wan {

// A convolution: weight [out, in, kt, kh, kw] (3-D) or [out, in, kh, kw] (2-D), bias [out].
struct VaeConvWeights {
  at::Tensor weight;
  at::Tensor bias;
  bool defined() const { return weight.defined(); }
};

// ResidualBlock(in, out): residual.{0 norm, 2 conv, 3 norm, 6 conv}, shortcut when in != out.
struct VaeResidualBlockWeights {
  at::Tensor norm1_gamma;   // residual.0.gamma [in, 1, 1, 1]
  VaeConvWeights conv1;     // residual.2 [out, in, 3, 3, 3]
  at::Tensor norm2_gamma;   // residual.3.gamma [out, 1, 1, 1]
  VaeConvWeights conv2;     // residual.6 [out, out, 3, 3, 3]
  VaeConvWeights shortcut;  // [out, in, 1, 1, 1]; undefined when in == out
};

// Single-head per-frame self-attention of the middle blocks.
struct VaeAttentionWeights {
  at::Tensor norm_gamma;  // norm.gamma [C, 1, 1]
  VaeConvWeights to_qkv;  // [3C, C, 1, 1]
  VaeConvWeights proj;    // [C, C, 1, 1]
};

enum class VaeResampleMode { kDownsample2d, kDownsample3d, kUpsample2d, kUpsample3d };

struct VaeResampleWeights {
  VaeResampleMode mode = VaeResampleMode::kDownsample2d;
  VaeConvWeights spatial;    // resample.1: [C, C, 3, 3] (down) or [C/2, C, 3, 3] (up)
  VaeConvWeights time_conv;  // [C, C, 3, 1, 1] (down3d), [2C, C, 3, 1, 1] (up3d), else undefined
};

// One resolution level: residual blocks, then (except the last level) a resample.
struct VaeStageWeights {
  std::vector<VaeResidualBlockWeights> blocks;
  std::optional<VaeResampleWeights> resample;
};

// Encoder3d and Decoder3d share this shape: conv1, stages (downsamples.* /
// upsamples.*), middle (res, attention, res), head (norm, SiLU, conv).
struct VaeCoderWeights {
  VaeConvWeights conv1;
  std::vector<VaeStageWeights> stages;
  VaeResidualBlockWeights middle_res1;
  VaeAttentionWeights middle_attn;
  VaeResidualBlockWeights middle_res2;
  at::Tensor head_gamma;     // head.0.gamma [C, 1, 1, 1]
  VaeConvWeights head_conv;  // head.2 [out, C, 3, 3, 3]
};

struct VaeWeights {
  VaeCoderWeights encoder;  // 3 -> 2*z_dim channels
  VaeConvWeights conv1;     // [2*z_dim, 2*z_dim, 1, 1, 1], after the encoder
  VaeConvWeights conv2;     // [z_dim, z_dim, 1, 1, 1], before the decoder
  VaeCoderWeights decoder;  // z_dim -> 3 channels
};

// Called for every parameter the configuration implies, with its checkpoint
// name and shape, in checkpoint order.
using VaeParameterVisitor = std::function<void(const std::string& name, at::Tensor& tensor,
                                               const std::vector<std::int64_t>& shape)>;

// Sizes `weights` (stages, blocks, resample modes) for `config` and visits
// every parameter.
void visit_vae_parameters(VaeWeights& weights, const VaeConfig& config,
                          const VaeParameterVisitor& visit);

// Every checkpoint name `config` needs (194 for Wan2.1).
std::vector<std::string> vae_parameter_names(const VaeConfig& config);

struct VaeLoadOptions {
  at::ScalarType dtype = at::kFloat;  // compute dtype (float32; bfloat16/float16 on GPU)
  c10::Device device{c10::kCPU};
};

// Opens a VAE checkpoint (`Wan2.1_VAE.pth`, or any format io::open_checkpoint
// reads) as a view with DiffSynth's "model." prefix removed.
io::CheckpointView open_vae_checkpoint(const std::string& path);

// The base width stored in `view` (output channels of encoder.conv1.weight).
// Throws io::ContentError when that tensor is absent or not 5-D.
std::int64_t vae_base_width(const io::CheckpointView& view);

// Reads every parameter from `view` (official names), checks the key set
// strictly like the official loader (missing or unexpected encoder/decoder/
// conv1/conv2 keys are errors, listed by name), checks that the stored base
// width matches config.dim and every shape matches the configuration before
// converting anything, then converts to options.dtype on options.device.
// Throws io::ContentError naming the file, the tensors and the limits.
VaeWeights load_vae_weights(const io::CheckpointView& view, const VaeConfig& config,
                            const VaeLoadOptions& options = {});
// The same from a file path (see open_vae_checkpoint).
VaeWeights load_vae_weights(const std::string& path, const VaeConfig& config,
                            const VaeLoadOptions& options = {});

}  // namespace animate::wan
