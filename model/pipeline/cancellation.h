#pragma once
// Cooperative cancellation of a running animation job: any thread (a gRPC
// handler, a Redis watcher, the job's own progress callback) sets the token;
// the pipeline polls it at every step boundary and unwinds with Cancelled.
#include <atomic>
#include <stdexcept>
#include <string>

namespace animate::pipeline {

// Thrown by AnimationPipeline::run when its token was set. Nothing after the
// boundary where it was noticed has run (no further DiT call, no frame).
class Cancelled : public std::runtime_error {
 public:
  explicit Cancelled(const std::string& where) : std::runtime_error("job cancelled " + where) {}
};

class CancellationToken {
 public:
  CancellationToken() = default;
  CancellationToken(const CancellationToken&) = delete;
  CancellationToken& operator=(const CancellationToken&) = delete;

  void request() noexcept { requested_.store(true, std::memory_order_release); }
  bool requested() const noexcept { return requested_.load(std::memory_order_acquire); }
  // For reusing a token between jobs.
  void reset() noexcept { requested_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> requested_{false};
};

}  // namespace animate::pipeline
