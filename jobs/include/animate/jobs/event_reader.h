// Reads a job's event stream from a sequence number: replay of what is
// retained, then (optionally blocking) live events. The server's WatchJob is
// a loop over read() until EventBatch::finished.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "animate/jobs/connection_pool.h"
#include "animate/jobs/job_event.h"

namespace animate::jobs {

class EventReader {
 public:
  explicit EventReader(std::shared_ptr<ConnectionPool> pool);

  // Events with sequence >= from_sequence (0 = from the oldest retained), at
  // most max_count. When none is available yet, waits up to `wait` for one.
  // Throws kNotFound (no such job), kOutOfRange (from_sequence is older than
  // the retained window: the stream was trimmed past it).
  EventBatch read(const std::string& job_id, std::uint64_t from_sequence,
                  std::uint32_t max_count = 256,
                  std::chrono::milliseconds wait = std::chrono::milliseconds{0});

  // Oldest retained sequence (0 when the stream is empty).
  std::uint64_t first_retained(const std::string& job_id);

 private:
  std::shared_ptr<ConnectionPool> pool_;
};

}  // namespace animate::jobs
