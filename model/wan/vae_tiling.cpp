#include "model/wan/vae_tiling.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace animate::wan {

namespace {

std::vector<std::int64_t> tile_starts(std::int64_t extent, std::int64_t size, std::int64_t stride) {
  std::vector<std::int64_t> starts;
  for (std::int64_t start = 0; start < extent; start += stride) {
    if (start - stride >= 0 && start - stride + size >= extent) continue;
    starts.push_back(start);
  }
  return starts;
}

}  // namespace

void VaeTiling::validate() const {
  const auto check = [](const char* axis, std::int64_t size, std::int64_t stride) {
    if (size < 1 || stride < 1 || stride > size) {
      throw std::invalid_argument(std::string("VAE tiling: ") + axis +
                                  " needs 1 <= stride <= size (latent cells), got size " +
                                  std::to_string(size) + ", stride " + std::to_string(stride));
    }
  };
  check("H", size_h, stride_h);
  check("W", size_w, stride_w);
}

std::vector<VaeTile> plan_vae_tiles(std::int64_t height, std::int64_t width, std::int64_t size_h,
                                    std::int64_t size_w, std::int64_t stride_h,
                                    std::int64_t stride_w) {
  std::vector<VaeTile> tiles;
  for (std::int64_t h : tile_starts(height, size_h, stride_h)) {
    for (std::int64_t w : tile_starts(width, size_w, stride_w)) {
      VaeTile tile;
      tile.h0 = h;
      tile.h1 = std::min(h + size_h, height);
      tile.w0 = w;
      tile.w1 = std::min(w + size_w, width);
      tile.top = h == 0;
      tile.bottom = h + size_h >= height;
      tile.left = w == 0;
      tile.right = w + size_w >= width;
      tiles.push_back(tile);
    }
  }
  return tiles;
}

at::Tensor vae_blend_ramp(std::int64_t length, bool start_on_border, bool end_on_border,
                          std::int64_t border) {
  at::Tensor ramp = at::ones({length}, at::kFloat);
  if (border <= 0) return ramp;
  auto values = ramp.accessor<float, 1>();
  const std::int64_t span = std::min(border, length);
  // (i + 1) / border computed in float like the reference's arange / int.
  const auto step = [&](std::int64_t i) {
    return static_cast<float>(i + 1) / static_cast<float>(border);
  };
  if (!start_on_border) {
    for (std::int64_t i = 0; i < span; ++i) values[i] = step(i);
  }
  if (!end_on_border) {
    for (std::int64_t i = 0; i < span; ++i) values[length - 1 - i] = step(i);
  }
  return ramp;
}

VaeTileBlender::VaeTileBlender(std::vector<VaeTile> tiles, std::int64_t out_height,
                               std::int64_t out_width, std::int64_t scale_num,
                               std::int64_t scale_den, std::int64_t border_h, std::int64_t border_w,
                               const c10::TensorOptions& options)
    : tiles_(std::move(tiles)), scale_num_(scale_num), scale_den_(scale_den) {
  weight_sum_ = at::zeros({out_height, out_width}, options);
  for (const auto& tile : tiles_) {
    const std::int64_t oh = (tile.h1 - tile.h0) * scale_num_ / scale_den_;
    const std::int64_t ow = (tile.w1 - tile.w0) * scale_num_ / scale_den_;
    const at::Tensor ramp_h = vae_blend_ramp(oh, tile.top, tile.bottom, border_h);
    const at::Tensor ramp_w = vae_blend_ramp(ow, tile.left, tile.right, border_w);
    at::Tensor mask =
        at::minimum(ramp_h.view({oh, 1}).expand({oh, ow}), ramp_w.view({1, ow}).expand({oh, ow}))
            .to(options);
    weight_sum_.narrow(0, tile.h0 * scale_num_ / scale_den_, oh)
        .narrow(1, tile.w0 * scale_num_ / scale_den_, ow)
        .add_(mask);
    masks_.push_back(std::move(mask));
  }
}

void VaeTileBlender::accumulate(const at::Tensor& values, std::size_t tile_index,
                                const at::Tensor& tile_out) const {
  const VaeTile& tile = tiles_.at(tile_index);
  const at::Tensor& m = masks_.at(tile_index);
  values.narrow(3, tile.h0 * scale_num_ / scale_den_, m.size(0))
      .narrow(4, tile.w0 * scale_num_ / scale_den_, m.size(1))
      .add_(tile_out.to(values.scalar_type()) * m);
}

void VaeTileBlender::normalise(const at::Tensor& values) const {
  values.div_(weight_sum_);
}

}  // namespace animate::wan
