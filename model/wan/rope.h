#pragma once
// 3-D rotary position embedding of the Wan2.1 DiT.
//
// A head of d dims is d/2 adjacent pairs (x[2m], x[2m+1]); the first
// d - 2*(d/3) dims rotate by the frame index, the next d/3 by the row, the
// last d/3 by the column, each part with frequencies 10000^(-2k/n) of its own
// size n. Tables depend only on the token grid, so they are built once per
// grid and shared by every block and every denoising step.
#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

namespace animate::wan {

// Token grid of one DiT call: latent frames, rows and columns in patches.
struct TokenGrid {
  std::int64_t frames = 0;
  std::int64_t height = 0;
  std::int64_t width = 0;
  std::int64_t tokens() const { return frames * height * width; }
  bool operator==(const TokenGrid& other) const {
    return frames == other.frames && height == other.height && width == other.width;
  }
  bool operator<(const TokenGrid& other) const {
    return std::tie(frames, height, width) < std::tie(other.frames, other.height, other.width);
  }
};

// Rotary dims per axis (frame, row, column) for `head_dim`; throws
// std::invalid_argument when the split leaves an odd part.
std::array<std::int64_t, 3> rope_split(std::int64_t head_dim);

// Precomputed rotation for one grid, laid out to broadcast over [B, L, heads, d]:
// out = x * cos + swap_pairs(x) * sin, where cos holds cos(a) on both elements
// of a pair and sin holds (-sin(a), +sin(a)).
struct RopeTable {
  TokenGrid grid;
  at::Tensor cos;  // [L, 1, d]
  at::Tensor sin;  // [L, 1, d]
  // The same rotation as complex numbers cos(a) + i sin(a), [L, 1, d/2]
  // (complex64 for a float32 table, complex128 for float64): one complex
  // multiply per pair, in place, is a single pass over q or k.
  at::Tensor freqs;
};

// Builds the table in float64 (angles and trigonometry) and stores it in `dtype`
// on `device`.
RopeTable make_rope_table(const TokenGrid& grid, std::int64_t head_dim, at::ScalarType dtype,
                          at::Device device);

// Rotates q or k [B, L, heads, d] (d = head_dim, contiguous last dim). Returns a
// new tensor in x's dtype; the arithmetic runs in the table's dtype.
at::Tensor apply_rope(const at::Tensor& x, const RopeTable& table);
// Rotates x [B, L, heads, d] in place; x must have the table's dtype and a
// unit last-dim stride.
void apply_rope_(at::Tensor& x, const RopeTable& table);

// Thread-safe cache of tables keyed by grid (and device/dtype). A long video
// reuses one grid for every window, so a handful of entries is plenty.
class RopeCache {
 public:
  RopeCache(std::int64_t head_dim, at::ScalarType dtype, std::size_t capacity = 8);
  std::shared_ptr<const RopeTable> get(const TokenGrid& grid, at::Device device);
  std::size_t size() const;

 private:
  using Key = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::string>;
  std::int64_t head_dim_;
  at::ScalarType dtype_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::map<Key, std::shared_ptr<const RopeTable>> tables_;
  std::map<Key, std::uint64_t> last_used_;
  std::uint64_t clock_ = 0;
};

}  // namespace animate::wan
