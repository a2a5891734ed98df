// Tunables of the queue and the job store. The server and the workers should
// use the same values for the fields marked (shared).
#pragma once

#include <chrono>
#include <cstdint>

namespace animate::jobs {

struct QueueConfig {
  // Bounded queue: enqueue fails with kResourceExhausted beyond this many
  // queued jobs (0 = unbounded). --max-queued-jobs.
  std::uint64_t max_queued_jobs = 1000;
  // Per-tenant quotas (0 = none): queued jobs (checked at enqueue) and
  // running jobs (claim skips a tenant's jobs while it is at its limit).
  std::uint64_t max_queued_per_tenant = 0;
  std::uint64_t max_running_per_tenant = 0;  // (shared: used by claim)
  // Hint returned with kResourceExhausted.
  std::chrono::milliseconds retry_after{5000};

  // Aging: one priority point is worth this much waiting. A job of priority
  // p enqueued at t is ordered at t - p * priority_aging, so higher
  // priorities go first and a lower one overtakes them after waiting
  // (priority difference x priority_aging): no starvation.
  std::chrono::milliseconds priority_aging{10000};
  int min_priority = -100;
  int max_priority = 100;

  // A job is tried this many times; a worker lost on the last attempt
  // dead-letters it (FAILED, ABORTED, with the reason).
  std::uint32_t max_attempts = 3;
  // Defaults when the request sets none (0 = no limit).
  std::chrono::milliseconds default_max_queue_time{std::chrono::hours(24)};
  std::chrono::milliseconds default_max_run_time{std::chrono::hours(2)};

  // Results, events and job records of finished jobs expire after this long
  // (shared). Idempotency keys are remembered as long.
  std::chrono::milliseconds retention{std::chrono::hours(24)};
  // Event streams keep about this many entries (XADD MAXLEN ~) (shared).
  std::uint64_t max_events_per_job = 4096;
  // Blobs are stored in chunks of this size (shared).
  std::uint64_t blob_chunk_bytes = 1 << 20;
  // Uploaded assets live this long after their last upload or job use.
  std::chrono::milliseconds asset_ttl{std::chrono::hours(24)};
  // An unfinished upload (or result writer) vanishes after this long.
  std::chrono::milliseconds upload_ttl{std::chrono::minutes(30)};

  // How many expired leases / passed deadlines one maintenance pass handles.
  std::uint32_t maintenance_batch = 64;
  // How many queue heads a claim inspects to find a tenant under its limit.
  std::uint32_t claim_scan = 64;
};

}  // namespace animate::jobs
