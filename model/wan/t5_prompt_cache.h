#pragma once
// A small bounded LRU cache from prompt text to its encoded context, so that
// a worker encodes the constant default / negative prompts once instead of
// running the 5.7 B-parameter text encoder for every job.
#include <ATen/core/Tensor.h>

#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace animate::wan {

class PromptCache {
 public:
  using Encoder = std::function<at::Tensor(const std::string& prompt)>;

  struct Stats {
    std::size_t hits = 0;
    std::size_t misses = 0;
    std::size_t evictions = 0;
  };

  // Keeps at most `capacity` contexts; 0 disables caching (every lookup misses).
  explicit PromptCache(std::size_t capacity);

  // The cached context of `prompt` (exact string match, before any cleaning),
  // or encode(prompt), stored as the most recently used entry (evicting the
  // least recently used one when full). `encode` runs outside the lock, so
  // concurrent misses on the same prompt may each encode it; exceptions from
  // it propagate and nothing is stored. Returned tensors are shared with the
  // cache: callers must not modify them in place.
  at::Tensor get_or_encode(const std::string& prompt, const Encoder& encode);

  // Lookup that counts as a use; std::nullopt on a miss.
  std::optional<at::Tensor> find(const std::string& prompt);
  // Stores (or replaces) the context of `prompt` as the most recent entry.
  void insert(const std::string& prompt, at::Tensor context);

  void clear();
  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }
  Stats stats() const;

 private:
  using Entry = std::pair<std::string, at::Tensor>;
  void insert_locked(const std::string& prompt, at::Tensor context);

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  Stats stats_;
};

}  // namespace animate::wan
