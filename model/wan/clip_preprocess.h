#pragma once
// The reference image preprocessing of WanUniAnimateVideoPipeline.encode_image
// (DiffSynth): PIL resize to the video size, to [-1, 1], then the CLIP input:
// bicubic squash to 224x224 (PyTorch semantics, no antialias), back to [0, 1]
// (not clamped) and per-channel CLIP normalisation.
#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>

namespace animate::wan {

// OpenAI CLIP statistics, also used by open-clip's XLM-R ViT-H/14.
struct ClipNormalization {
  std::array<double, 3> mean{0.48145466, 0.4578275, 0.40821073};
  std::array<double, 3> std{0.26862954, 0.26130258, 0.27577711};
  // Side of the square CLIP input.
  std::int64_t image_size = 224;
};

// uint8 RGB [H, W, 3] -> float32 [1, 3, H, W] with x * (2/255) - 1 computed in
// float32, as the pipeline's numpy expression does. Throws
// std::invalid_argument for another dtype or shape.
at::Tensor image_to_signed_unit(const at::Tensor& rgb);

// [B, 3, H, W] float in [-1, 1] -> [B, 3, S, S] float32 CLIP input:
// upsample_bicubic2d (align_corners false, a = -0.75) to S x S, x * 0.5 + 0.5,
// then (x - mean_c) / std_c with float32 statistics. Runs on the input's device.
at::Tensor clip_input_from_image(const at::Tensor& image,
                                 const ClipNormalization& normalization = {});

// Every intermediate of the reference preprocessing.
struct ReferenceImageInputs {
  at::Tensor resized;     // uint8 [height, width, 3]: Pillow bicubic resize
  at::Tensor image;       // float32 [1, 3, height, width] in [-1, 1] (also the VAE's input)
  at::Tensor clip_input;  // float32 [1, 3, S, S]
};

// The whole chain for a uint8 RGB reference image of any size.
ReferenceImageInputs prepare_reference_image(const at::Tensor& rgb, std::int64_t width,
                                             std::int64_t height,
                                             const ClipNormalization& normalization = {});

}  // namespace animate::wan
