#pragma once
// DiffSynth's spatial tiling of the Wan VAE (spec: wan_components.md 1.8):
// overlapping tiles processed independently and blended with linear ramps
// on every side that is not an image border.
#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>

#include <cstdint>
#include <vector>

namespace animate::wan {

// Tile size and stride along H and W, in latent cells (the pipeline uses
// size (30, 52), stride (15, 26)). Encoding multiplies both by 8 pixels.
struct VaeTiling {
  std::int64_t size_h = 30;
  std::int64_t size_w = 52;
  std::int64_t stride_h = 15;
  std::int64_t stride_w = 26;

  // Throws std::invalid_argument unless 1 <= stride <= size on both axes
  // (a larger stride would leave pixels no tile covers).
  void validate() const;
};

// One tile of the tensor being split, [h0, h1) x [w0, w1), clipped to it.
struct VaeTile {
  std::int64_t h0 = 0, h1 = 0, w0 = 0, w1 = 0;
  // Sides on the image border: no blending ramp there. A tile whose
  // unclipped extent reaches past the end counts as touching it.
  bool top = false, bottom = false, left = false, right = false;
};

// Tile starts 0, stride, 2*stride, ... < extent, skipping a start when the
// previous tile already reached the end; row-major over (H, W).
std::vector<VaeTile> plan_vae_tiles(std::int64_t height, std::int64_t width, std::int64_t size_h,
                                    std::int64_t size_w, std::int64_t stride_h,
                                    std::int64_t stride_w);

// 1-D blending weights of `length` entries: ones, then unless the side is on
// the border, (1..border)/border rising at the start and falling at the end
// (the end ramp is written last, as in the reference; ramps longer than the
// tile are cut to it).
at::Tensor vae_blend_ramp(std::int64_t length, bool start_on_border, bool end_on_border,
                          std::int64_t border);

// Accumulates tile outputs into a frame with the blend weights
// min(ramp_h, ramp_w), and divides by their sum. Output coordinates are the
// tile's input coordinates times num/den (decode 8/1, encode 1/8).
class VaeTileBlender {
 public:
  VaeTileBlender(std::vector<VaeTile> tiles, std::int64_t out_height, std::int64_t out_width,
                 std::int64_t scale_num, std::int64_t scale_den, std::int64_t border_h,
                 std::int64_t border_w, const c10::TensorOptions& options);

  const std::vector<VaeTile>& tiles() const { return tiles_; }
  // values[..., tile region] += tile_out * mask(tile); values is [B, C, T, out_h, out_w]
  // (written in place, also through a view).
  void accumulate(const at::Tensor& values, std::size_t tile_index,
                  const at::Tensor& tile_out) const;
  // values / sum of masks (in place).
  void normalise(const at::Tensor& values) const;
  // The blend weights of one tile, [tile out h, tile out w].
  const at::Tensor& mask(std::size_t tile_index) const { return masks_.at(tile_index); }

 private:
  std::vector<VaeTile> tiles_;
  std::int64_t scale_num_, scale_den_;
  std::vector<at::Tensor> masks_;
  at::Tensor weight_sum_;  // [out_h, out_w]
};

}  // namespace animate::wan
