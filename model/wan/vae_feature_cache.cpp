#include "model/wan/vae_feature_cache.h"

namespace animate::wan {

VaeCacheSlot& VaeFeatureCache::next_slot() {
  if (cursor_ == slots_.size()) slots_.emplace_back();
  return slots_[cursor_++];
}

void VaeFeatureCache::clear() {
  slots_.clear();
  cursor_ = 0;
}

std::size_t VaeFeatureCache::bytes() const {
  std::size_t total = 0;
  for (const auto& slot : slots_) {
    if (slot.frames.defined()) total += slot.frames.numel() * slot.frames.element_size();
  }
  return total;
}

}  // namespace animate::wan
