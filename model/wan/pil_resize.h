#pragma once
// Pillow's Image.resize for 8-bit images, re-implemented so that the reference
// preprocessing (DiffSynth resizes the reference image with PIL before CLIP
// and the VAE see it) is reproduced to the last uint8 step without Python.
//
// The algorithm is Pillow's (libImaging/Resample.c, unchanged from 7.0 to at
// least 11.x): a separable convolution, horizontal pass first, whose kernel
// is widened by the scale factor when downscaling (antialiasing), with the
// kernel weights normalised per output pixel, converted to 22-bit fixed point
// and each pass rounded and clipped to uint8.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace animate::wan {

// Pillow's resampling filters (Image.Resampling.*). Image.resize defaults to
// kBicubic for RGB images (Pillow >= 7); NEAREST is not offered.
enum class PilFilter { kBox, kBilinear, kHamming, kBicubic, kLanczos };

// Image.resize((width, height), filter) of a uint8 image [H, W, C] (any
// channel count, channels resampled independently as Pillow does for
// RGB/RGBX/L; RGBA premultiplication is not modelled). Returns a new uint8
// [height, width, C] CPU tensor; the same size returns a copy. Throws
// std::invalid_argument for another dtype or rank, an empty image or a
// non-positive target size.
at::Tensor pil_resize(const at::Tensor& image, std::int64_t width, std::int64_t height,
                      PilFilter filter = PilFilter::kBicubic);

}  // namespace animate::wan
