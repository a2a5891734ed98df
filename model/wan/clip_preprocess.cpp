#include "model/wan/clip_preprocess.h"

#include <ATen/ATen.h>

#include <stdexcept>

#include "model/wan/pil_resize.h"

namespace animate::wan {

at::Tensor image_to_signed_unit(const at::Tensor& rgb) {
  if (!rgb.defined() || rgb.dim() != 3 || rgb.size(2) != 3 || rgb.scalar_type() != at::kByte) {
    throw std::invalid_argument("image_to_signed_unit: expected a uint8 RGB image [H, W, 3]");
  }
  // float32 arithmetic throughout: numpy multiplies the float32 array by the
  // Python float 2/255 in float32, then subtracts 1 in float32.
  const float step = static_cast<float>(2.0 / 255.0);
  at::Tensor x = rgb.to(at::kFloat).mul(step).sub(1.0f);
  return x.permute({2, 0, 1}).unsqueeze(0).contiguous();
}

at::Tensor clip_input_from_image(const at::Tensor& image, const ClipNormalization& normalization) {
  if (!image.defined() || image.dim() != 4 || image.size(1) != 3) {
    throw std::invalid_argument("clip_input_from_image: expected an image batch [B, 3, H, W]");
  }
  if (normalization.image_size < 1) {
    throw std::invalid_argument("clip_input_from_image: image_size must be >= 1");
  }
  for (double s : normalization.std) {
    if (!(s > 0.0)) throw std::invalid_argument("clip_input_from_image: std must be > 0");
  }
  const std::int64_t size = normalization.image_size;
  at::Tensor x = at::upsample_bicubic2d(image.to(at::kFloat), {size, size},
                                        /*align_corners=*/false);
  x = x.mul(0.5f).add(0.5f);
  const auto options = x.options();
  // torchvision's Normalize builds float32 tensors from the Python floats.
  const at::Tensor mean =
      at::tensor(std::vector<float>(normalization.mean.begin(), normalization.mean.end()), options)
          .view({1, 3, 1, 1});
  const at::Tensor std =
      at::tensor(std::vector<float>(normalization.std.begin(), normalization.std.end()), options)
          .view({1, 3, 1, 1});
  return x.sub(mean).div(std);
}

ReferenceImageInputs prepare_reference_image(const at::Tensor& rgb, std::int64_t width,
                                             std::int64_t height,
                                             const ClipNormalization& normalization) {
  ReferenceImageInputs inputs;
  inputs.resized = pil_resize(rgb, width, height, PilFilter::kBicubic);
  inputs.image = image_to_signed_unit(inputs.resized);
  inputs.clip_input = clip_input_from_image(inputs.image, normalization);
  return inputs;
}

}  // namespace animate::wan
