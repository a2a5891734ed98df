// The queue settings that the server and every worker must agree on, with
// one source of truth: the server publishes its values in Redis
// ("<prefix>queue-config") at start and on every maintenance round, and a
// worker reads them before it claims anything. Before this, workers used the
// defaults, so --max-running-per-tenant was never enforced and jobs finished
// by workers ignored --retention-seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "animate/jobs/connection_pool.h"
#include "animate/jobs/queue_config.h"

namespace animate::jobs {

struct SharedQueueSettings {
  std::uint64_t max_running_per_tenant = 0;  // claim skips a tenant at its limit
  std::chrono::milliseconds retention{0};    // finished jobs, events, results
  std::uint64_t max_events_per_job = 0;      // event stream length
  std::uint64_t blob_chunk_bytes = 0;        // blob layout

  static SharedQueueSettings of(const QueueConfig& config);
  // `config` with these values.
  QueueConfig applied_to(QueueConfig config) const;
  // "max_running_per_tenant=1 retention_ms=5000 ..." for logs.
  std::string describe() const;
  bool operator==(const SharedQueueSettings&) const = default;
};

// HSET of every field (one round trip). Throws JobsError.
void publish_shared_settings(ConnectionPool& pool, const SharedQueueSettings& settings);
// nullopt while nothing has been published. Throws JobsError (Redis errors,
// kInvalidArgument for a malformed hash).
std::optional<SharedQueueSettings> read_shared_settings(ConnectionPool& pool);

}  // namespace animate::jobs
