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
#include <functional>
#include <string>
#include <vector>

#include "model/io/tensor_source.h"

namespace animate::unianimate {

struct PoseEncoderOptions {
  c10::Device device{c10::kCPU};
  at::ScalarType output_dtype = at::kFloat;  // dtype of the (bf16-rounded) outputs
  // PoseEncoder: input frames (after the first-frame repeat) streamed through
  // the Conv3d stack per step; 0 runs the whole video at once. Every conv
  // keeps only the frames its next outputs need (its temporal halo), so memory
  // is bounded by the chunk instead of the video: at 480p one full-resolution
  // activation of 84 frames is 2.1 GB, a chunk of 8 frames about 0.2 GB. The
  // results are those of the unchunked stack (each output frame is computed
  // from the same input frames and zero padding).
  std::int64_t time_chunk = 8;
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

  // Input frames per streaming step (PoseEncoderOptions::time_chunk; 0 = all).
  void set_time_chunk(std::int64_t frames) { options_.time_chunk = frames; }

 private:
  // Runs the stack over `pose_frames` and hands each block of output frames
  // [B, dim, n, H/16, W/16] (float32) to `sink` with its first frame index.
  void run(const at::Tensor& pose_frames,
           const std::function<void(const at::Tensor&, std::int64_t)>& sink) const;

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
