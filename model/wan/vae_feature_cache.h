#pragma once
// The Wan VAE feature cache: per cached causal conv, the trailing input
// frames of the previous chunk, so that a video can be run chunk by chunk
// (encode: 1, 4, 4, ... frames; decode: one latent frame at a time) with the
// same result as one causal pass, in memory independent of the frame count.
#include <ATen/core/Tensor.h>

#include <cstddef>
#include <vector>

namespace animate::wan {

// History of one cached conv.
struct VaeCacheSlot {
  // The last (at most 2) frames that entered the conv, [B, C, n, H, W];
  // undefined before the first chunk.
  at::Tensor frames;
  // Temporal-upsample convs skip the first chunk and then start from a zero
  // history (the reference marks this with the string 'Rep').
  bool skipped_first_chunk = false;
};

// Slots are visited in a fixed order within a chunk; the cursor restarts at
// every chunk, so every conv finds its own history again.
class VaeFeatureCache {
 public:
  // Starts a chunk: the next slot() call returns the first slot again.
  void begin_chunk() { cursor_ = 0; }
  // The slot of the next cached conv in visiting order (created on first use).
  VaeCacheSlot& next_slot();
  // Forgets all history (a new video).
  void clear();

  std::size_t slot_count() const { return slots_.size(); }
  // Bytes held by cached frames (for memory planning and tests).
  std::size_t bytes() const;

 private:
  std::vector<VaeCacheSlot> slots_;
  std::size_t cursor_ = 0;
};

}  // namespace animate::wan
