#include "model/wan/t5_prompt_cache.h"

namespace animate::wan {

PromptCache::PromptCache(std::size_t capacity) : capacity_(capacity) {}

std::optional<at::Tensor> PromptCache::find(const std::string& prompt) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = index_.find(prompt);
  if (found == index_.end()) {
    ++stats_.misses;
    return std::nullopt;
  }
  ++stats_.hits;
  entries_.splice(entries_.begin(), entries_, found->second);
  return found->second->second;
}

void PromptCache::insert(const std::string& prompt, at::Tensor context) {
  std::lock_guard<std::mutex> lock(mutex_);
  insert_locked(prompt, std::move(context));
}

void PromptCache::insert_locked(const std::string& prompt, at::Tensor context) {
  if (capacity_ == 0) return;
  const auto found = index_.find(prompt);
  if (found != index_.end()) {
    found->second->second = std::move(context);
    entries_.splice(entries_.begin(), entries_, found->second);
    return;
  }
  if (entries_.size() == capacity_) {
    index_.erase(entries_.back().first);
    entries_.pop_back();
    ++stats_.evictions;
  }
  entries_.emplace_front(prompt, std::move(context));
  index_.emplace(prompt, entries_.begin());
}

at::Tensor PromptCache::get_or_encode(const std::string& prompt, const Encoder& encode) {
  if (auto cached = find(prompt)) return *cached;
  at::Tensor context = encode(prompt);
  std::lock_guard<std::mutex> lock(mutex_);
  insert_locked(prompt, context);
  return context;
}

void PromptCache::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.clear();
  index_.clear();
}

std::size_t PromptCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

PromptCache::Stats PromptCache::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace animate::wan
