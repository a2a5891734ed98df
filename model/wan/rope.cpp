#include "model/wan/rope.h"

#include <ATen/ATen.h>

#include <stdexcept>

namespace animate::wan {

std::array<std::int64_t, 3> rope_split(std::int64_t head_dim) {
  if (head_dim <= 0 || head_dim % 2 != 0) {
    throw std::invalid_argument("RoPE: head_dim " + std::to_string(head_dim) +
                                " must be positive and even");
  }
  const std::int64_t spatial = head_dim / 3;
  const std::int64_t temporal = head_dim - 2 * spatial;
  // Each part rotates whole pairs; an odd part would make the reference's
  // frequency table shorter than the head (it silently breaks there).
  if (spatial % 2 != 0 || temporal % 2 != 0 || spatial == 0) {
    throw std::invalid_argument("RoPE: head_dim " + std::to_string(head_dim) +
                                " splits into rotary parts " + std::to_string(temporal) + "/" +
                                std::to_string(spatial) + "/" + std::to_string(spatial) +
                                " (frame/row/column); every part must be even and non-zero");
  }
  return {temporal, spatial, spatial};
}

namespace {

// Angles [positions, n/2] of one axis: position * 10000^(-2k/n), in float64.
at::Tensor axis_angles(std::int64_t positions, std::int64_t n) {
  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  const at::Tensor exponents = at::arange(0, n, 2, f64).div_(static_cast<double>(n));
  const at::Tensor freqs = at::pow(10000.0, exponents).reciprocal_();
  return at::outer(at::arange(positions, f64), freqs);
}

}  // namespace

RopeTable make_rope_table(const TokenGrid& grid, std::int64_t head_dim, at::ScalarType dtype,
                          at::Device device) {
  if (grid.frames <= 0 || grid.height <= 0 || grid.width <= 0) {
    throw std::invalid_argument("RoPE: empty token grid");
  }
  const auto split = rope_split(head_dim);
  const std::int64_t f = grid.frames, h = grid.height, w = grid.width;
  const at::Tensor frame = axis_angles(f, split[0]).view({f, 1, 1, -1}).expand({f, h, w, -1});
  const at::Tensor row = axis_angles(h, split[1]).view({1, h, 1, -1}).expand({f, h, w, -1});
  const at::Tensor col = axis_angles(w, split[2]).view({1, 1, w, -1}).expand({f, h, w, -1});
  // [L, d/2] angles in the order frame | row | column, then duplicated per pair.
  const at::Tensor angles = at::cat({frame, row, col}, -1).reshape({f * h * w, head_dim / 2});
  const at::Tensor c = angles.cos();
  const at::Tensor s = angles.sin();
  RopeTable table;
  table.grid = grid;
  table.cos = at::stack({c, c}, -1).reshape({f * h * w, 1, head_dim});
  table.sin = at::stack({-s, s}, -1).reshape({f * h * w, 1, head_dim});
  table.cos = table.cos.to(device, dtype).contiguous();
  table.sin = table.sin.to(device, dtype).contiguous();
  // Rounded from float64 like cos and sin, so both forms hold the same values.
  const at::Tensor pairs = at::stack({c, s}, -1).to(dtype).reshape({f * h * w, 1, head_dim / 2, 2});
  table.freqs = at::view_as_complex(pairs.contiguous()).to(device);
  return table;
}

at::Tensor apply_rope(const at::Tensor& x, const RopeTable& table) {
  const std::int64_t d = table.cos.size(-1);
  if (x.dim() != 4 || x.size(1) != table.cos.size(0) || x.size(3) != d) {
    throw std::invalid_argument("RoPE: expected [B, " + std::to_string(table.cos.size(0)) +
                                ", heads, " + std::to_string(d) + "], got " + c10::str(x.sizes()));
  }
  at::Tensor out =
      x.to(table.cos.scalar_type(), /*non_blocking=*/false, /*copy=*/true).contiguous();
  apply_rope_(out, table);
  return out.scalar_type() == x.scalar_type() ? out : out.to(x.scalar_type());
}

void apply_rope_(at::Tensor& x, const RopeTable& table) {
  const std::int64_t d = table.cos.size(-1);
  if (x.dim() != 4 || x.size(1) != table.cos.size(0) || x.size(3) != d || x.stride(3) != 1 ||
      x.scalar_type() != table.cos.scalar_type()) {
    throw std::invalid_argument(
        "RoPE: expected " + std::string(c10::toString(table.cos.scalar_type())) + " [B, " +
        std::to_string(table.cos.size(0)) + ", heads, " + std::to_string(d) +
        "] with unit last stride, got " + std::string(c10::toString(x.scalar_type())) + " " +
        c10::str(x.sizes()));
  }
  // (x[2m] + i x[2m+1]) * (cos + i sin), the reference's complex rotation.
  at::Tensor pairs = at::view_as_complex(x.view({x.size(0), x.size(1), x.size(2), d / 2, 2}));
  pairs.mul_(table.freqs);
}

RopeCache::RopeCache(std::int64_t head_dim, at::ScalarType dtype, std::size_t capacity)
    : head_dim_(head_dim), dtype_(dtype), capacity_(capacity == 0 ? 1 : capacity) {
  rope_split(head_dim_);
}

std::shared_ptr<const RopeTable> RopeCache::get(const TokenGrid& grid, at::Device device) {
  const Key key{grid.frames, grid.height, grid.width, device.str()};
  std::lock_guard<std::mutex> lock(mutex_);
  ++clock_;
  if (auto it = tables_.find(key); it != tables_.end()) {
    last_used_[key] = clock_;
    return it->second;
  }
  if (tables_.size() >= capacity_) {
    auto oldest = last_used_.begin();
    for (auto it = last_used_.begin(); it != last_used_.end(); ++it) {
      if (it->second < oldest->second) oldest = it;
    }
    tables_.erase(oldest->first);
    last_used_.erase(oldest);
  }
  auto table = std::make_shared<const RopeTable>(make_rope_table(grid, head_dim_, dtype_, device));
  tables_.emplace(key, table);
  last_used_[key] = clock_;
  return table;
}

std::size_t RopeCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return tables_.size();
}

}  // namespace animate::wan
