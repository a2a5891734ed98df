// The durable job queue and job store on Redis: enqueue (idempotent, bounded,
// with quotas), claim with leases, fenced worker writes (progress, result
// chunks, outcome), cancellation, deletion, listing, queue positions and
// per-tenant counters. Thread-safe (borrows pooled connections).
//
// Why sorted sets + Lua rather than Redis streams with consumer groups:
// - priorities with aging and an O(log n) queue position are one ZRANK on a
//   sorted set; across per-priority streams both need scans;
// - a queued job can be cancelled at once (ZREM) instead of tombstoned;
// - claim, reclaim, retry limits, dead-lettering, deadlines, tenant limits,
//   counters and the state event must change together: each transition is
//   one Lua script, atomic by construction, with a fencing token per lease.
// The "consumer group" is the set of workers calling claim() on the same
// prefix; the lease set ("leases", score = expiry) plays the pending entries
// list, and maintain() is XAUTOCLAIM: expired leases go back to the queue
// (attempt + 1) or to the dead letter after max_attempts.
//
// Durability: run Redis with appendonly yes. With appendfsync always (the
// recommendation for deploy/, and what the tests use) an acknowledged
// enqueue or transition survives
// any crash of Redis or its host; with everysec at most about the last
// second of writes can be lost in a crash. query_persistence() reports it.
// Single Redis (or Sentinel) only: scripts touch keys derived from ids, which
// Redis Cluster does not allow.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "animate/jobs/connection_pool.h"
#include "animate/jobs/ids.h"
#include "animate/jobs/job_record.h"
#include "animate/jobs/lease.h"
#include "animate/jobs/queue_config.h"

namespace animate::jobs {

class ScriptSet;

struct NewJob {
  std::string tenant{kDefaultTenant};
  JobParams params;
  int priority = 0;
  std::string idempotency_key;  // empty = none
  // 0 = QueueConfig defaults.
  std::chrono::milliseconds max_queue_time{0};
  std::chrono::milliseconds max_run_time{0};
};

struct EnqueueResult {
  JobRecord job;
  bool existing = false;             // the idempotency key matched
  std::uint64_t queue_position = 0;  // 1 = next; 0 = not queued
};

struct JobPage {
  std::vector<JobRecord> jobs;
  std::string next_page_token;  // empty on the last page
};

struct TenantCounters {
  std::uint64_t queued = 0;
  std::uint64_t running = 0;
};

// What maintenance did since the previous maintain() call, whoever ran it
// (claims run it too): each event is reported by exactly one call.
struct MaintenanceReport {
  std::uint32_t requeued = 0;       // lost workers' jobs retried (lease expired)
  std::uint32_t dead_lettered = 0;  // lost on their last attempt (FAILED)
  std::uint32_t deadline_failed = 0;
  std::uint32_t lost_cancelled = 0;  // cancel requested, then the worker was lost
  // Leases that ran out: every lost worker's job, whatever became of it.
  std::uint32_t lease_expirations() const { return requeued + dead_lettered + lost_cancelled; }
};

class JobQueue {
 public:
  JobQueue(std::shared_ptr<ConnectionPool> pool, QueueConfig config);
  ~JobQueue();
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  const QueueConfig& config() const { return config_; }

  // ---- client side (server)

  // Creates and enqueues a job, atomically with its idempotency key, quota
  // checks and first event. Throws kAlreadyExists (same key, other request),
  // kResourceExhausted (queue or tenant quota full; retry_after set),
  // kNotFound with field (a referenced asset is missing), kInvalidArgument.
  // The referenced assets' TTLs are extended to outlive the job.
  EnqueueResult enqueue(const NewJob& job);

  // Throws kNotFound.
  JobRecord get(const std::string& job_id);
  std::optional<JobRecord> find(const std::string& job_id);

  // 1 = next; 0 when the job is not queued.
  std::uint64_t queue_position(const std::string& job_id);
  std::uint64_t queue_length();
  std::uint64_t running_count();
  TenantCounters tenant_counters(const std::string& tenant);

  // Newest first. page_size is clamped to [1, 500].
  JobPage list(const std::string& tenant, std::optional<JobState> state, std::uint32_t page_size,
               const std::string& page_token = {});

  // Queued -> CANCELLED at once; running -> cancel_requested (the holder
  // sees it in its next heartbeat or progress report); terminal -> no-op.
  // Returns the job after the request. Throws kNotFound.
  JobRecord cancel(const std::string& job_id,
                   const std::string& reason = "cancelled by the client");

  // Deletes a finished job, its events and its result at once. Throws
  // kNotFound, kFailedPrecondition while queued or running.
  void remove(const std::string& job_id);

  // Reclaims expired leases (retry or dead letter), fails jobs past their
  // deadlines, prunes listing indexes. claim() runs the first two too; the
  // server should also call this every second or so.
  MaintenanceReport maintain();

  // Ids of dead-lettered jobs, newest first.
  std::vector<std::string> dead_letters(std::uint32_t limit = 100);

  // ---- worker side

  // Takes the best queued job (priority with aging, then age), honouring the
  // per-tenant running limit, and leases it. Waits up to options.wait.
  std::optional<Lease> claim(const ClaimOptions& options);

  // Extends the lease. Throws kAborted when the lease was lost (stop work).
  LeaseStatus heartbeat(Lease& lease);
  // Publishes progress and extends the lease. Throws kAborted like heartbeat.
  LeaseStatus report_progress(Lease& lease, const Progress& progress);
  // Appends bytes to the job's result (fragmented MP4: the init segment
  // first) and announces them on the event stream. Returns their offset.
  // With expected_offset (the result's size before these bytes) the call is
  // idempotent: repeating it after a lost reply does not append twice; a
  // result of another size is kFailedPrecondition.
  std::uint64_t append_result(Lease& lease, const std::string& bytes, bool init_segment,
                              std::optional<std::uint64_t> expected_offset = std::nullopt);
  // Terminal outcomes; each throws kAborted when the lease was lost.
  // result.size_bytes must equal the bytes appended (else kFailedPrecondition).
  void succeed(const Lease& lease, const ResultInfo& result);
  void fail(const Lease& lease, const ErrorInfo& error);
  void mark_cancelled(const Lease& lease);
  // Hands the job back to the queue without using up an attempt (worker
  // shutdown). The partial result is discarded.
  void release(const Lease& lease, const std::string& reason);

  // Whether cancellation was asked for (cheap: one HGET), for checks between
  // heartbeats.
  bool cancel_requested(const std::string& job_id);

 private:
  std::optional<Lease> try_claim(const ClaimOptions& options);

  std::shared_ptr<ConnectionPool> pool_;
  QueueConfig config_;
  std::unique_ptr<ScriptSet> scripts_;
};

}  // namespace animate::jobs
