#include "model/pipeline/reference_fit.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <vector>

namespace animate::pipeline {
namespace {

// Rounded, at least one pixel.
std::int64_t scaled(std::int64_t length, std::int64_t num, std::int64_t den) {
  return std::max<std::int64_t>(1, (length * num + den / 2) / den);
}

}  // namespace

at::Tensor fit_image(const at::Tensor& rgb, VideoSize size, ReferenceFit fit,
                     wan::PilFilter filter) {
  const std::int64_t src_h = rgb.size(0), src_w = rgb.size(1);
  switch (fit) {
    case ReferenceFit::kStretch: return wan::pil_resize(rgb, size.width, size.height, filter);
    case ReferenceFit::kCrop: {
      // Compare aspects by cross-multiplication to stay exact.
      std::int64_t crop_w = src_w, crop_h = src_h;
      if (src_w * size.height > size.width * src_h) {
        crop_w = scaled(src_h, size.width, size.height);  // source too wide
      } else {
        crop_h = scaled(src_w, size.height, size.width);  // source too tall
      }
      const at::Tensor window = rgb.narrow(0, (src_h - crop_h) / 2, crop_h)
                                    .narrow(1, (src_w - crop_w) / 2, crop_w)
                                    .contiguous();
      return wan::pil_resize(window, size.width, size.height, filter);
    }
    case ReferenceFit::kPad: {
      std::int64_t inner_w = size.width, inner_h = size.height;
      if (src_w * size.height > size.width * src_h) {
        inner_h = std::min(size.height, scaled(src_h, size.width, src_w));
      } else {
        inner_w = std::min(size.width, scaled(src_w, size.height, src_h));
      }
      const at::Tensor inner = wan::pil_resize(rgb, inner_w, inner_h, filter);
      at::Tensor canvas = at::zeros({size.height, size.width, 3}, at::kByte);
      canvas.narrow(0, (size.height - inner_h) / 2, inner_h)
          .narrow(1, (size.width - inner_w) / 2, inner_w)
          .copy_(inner);
      return canvas;
    }
  }
  return wan::pil_resize(rgb, size.width, size.height, filter);
}

at::Tensor fit_pose_frames(const at::Tensor& frames, VideoSize size, ReferenceFit fit) {
  at::Tensor out = at::empty({1, 3, frames.size(0), size.height, size.width}, at::kFloat);
  for (std::int64_t i = 0; i < frames.size(0); ++i) {
    const at::Tensor fitted =
        fit_image(frames[i].contiguous(), size, fit, wan::PilFilter::kBilinear);
    out.select(2, i).select(0, 0).copy_(fitted.permute({2, 0, 1}));
  }
  return out;
}

}  // namespace animate::pipeline
