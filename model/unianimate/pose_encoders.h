#pragma once
// UniAnimate's two pose encoders, loaded from the UniAnimate checkpoint:
//  - PoseEncoder (dwpose_embedding, 7 Conv3d): driving pose video -> pose
//    tokens added to the DiT patch tokens (positive CFG branch);
//  - RefPoseEncoder (randomref_embedding_pose, 6 Conv2d): the reference
//    image's pose -> a 20-channel feature added to the I2V conditioning y.
// Both run in float32 and round their outputs to bfloat16 like the reference
// pipeline (the rounded values are returned in the requested dtype).
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <vector>

#include "model/io/tensor_source.h"

namespace animate::unianimate {

struct PoseEncoderOptions {
  c10::Device device{c10::kCPU};
  at::ScalarType output_dtype = at::kFloat;  // dtype of the (bf16-rounded) outputs
};

// One convolution of a pose net with its fixed stride and padding.
struct PoseConv {
  at::Tensor weight;
  at::Tensor bias;
  std::vector<std::int64_t> stride;
  std::vector<std::int64_t> padding;
};

class PoseEncoder {
 public:
  // Finds "dwpose_embedding.{0,2,...,12}.{weight,bias}" under any prefix and
  // checks the layer shapes. Throws io::ContentError naming the tensor.
  static PoseEncoder load(const io::TensorSource& source, const PoseEncoderOptions& options = {});

  std::int64_t dim() const { return layers_.back().weight.size(0); }

  // pose_frames [B, 3, N, H, W] with values 0..255 (RGB), N = 4k+1, H and W
  // multiples of 16 -> pose tokens [B, (k+1) * H/16 * W/16, dim], flattened
  // frame-major like the DiT patch tokens, bf16-rounded.
  at::Tensor encode(const at::Tensor& pose_frames) const;
  // The conv stack output before rounding [B, dim, k+1, H/16, W/16] (float32).
  at::Tensor features(const at::Tensor& pose_frames) const;

 private:
  std::vector<PoseConv> layers_;
  PoseEncoderOptions options_;
};

class RefPoseEncoder {
 public:
  // Finds "randomref_embedding_pose.{0,2,...,10}.{weight,bias}" under any prefix.
  static RefPoseEncoder load(const io::TensorSource& source,
                             const PoseEncoderOptions& options = {});

  std::int64_t channels() const { return layers_.back().weight.size(0); }

  // ref_pose: uint8 [H, W, 3] RGB, or float [1, 3, H, W] with values 0..255;
  // H and W multiples of 8 -> [1, channels, 1, H/8, W/8], bf16-rounded, ready
  // to be added to y (broadcast over its frames).
  at::Tensor encode(const at::Tensor& ref_pose) const;
  // The conv stack output before rounding [1, channels, H/8, W/8] (float32).
  at::Tensor features(const at::Tensor& ref_pose) const;

 private:
  std::vector<PoseConv> layers_;
  PoseEncoderOptions options_;
};

}  // namespace animate::unianimate
