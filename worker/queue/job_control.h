#pragma once
// One running job's hold on its lease and its cancellation. The job thread
// (progress, result chunks, outcome) and the heartbeat thread both write
// through the lease, so every fenced call is serialised here. Whatever the
// reason to stop (the client cancelled, the lease was lost, the worker is
// draining), the first one is recorded and the pipeline's token is set; the
// pipeline then unwinds at its next step boundary.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "animate/jobs/job_queue.h"
#include "animate/runtime/logger.h"
#include "model/pipeline/cancellation.h"

namespace animate::worker {

enum class StopReason {
  kNone,
  kCancelRequested,  // the client asked: mark_cancelled
  kLeaseLost,        // another worker may own the job now: touch nothing
  kHandBack,         // draining: release without using an attempt
};

const char* stop_reason_name(StopReason reason);

class JobControl {
 public:
  // logger: the job's (job_id and tenant bound).
  JobControl(jobs::JobQueue& queue, jobs::Lease lease, runtime::Logger logger);
  JobControl(const JobControl&) = delete;
  JobControl& operator=(const JobControl&) = delete;

  const std::string& job_id() const { return job_id_; }
  const jobs::JobRecord& job() const { return job_; }
  const pipeline::CancellationToken& token() const { return token_; }
  const runtime::Logger& logger() const { return logger_; }

  // Records the reason (the first one wins) and sets the token.
  void stop(StopReason reason);
  StopReason reason() const { return reason_.load(); }

  // Extends the lease; learns about cancellation. A lost lease stops the
  // job; other errors (Redis briefly away) are logged and retried next time.
  void heartbeat();
  // Best effort like heartbeat (progress is informative), same stop rules.
  void report_progress(const jobs::Progress& progress);
  // The result must be complete, so errors propagate (a lost lease also
  // stops the job first). Redis being unavailable (timeout, failover) is
  // transient: the append is retried with backoff, idempotently (the result's
  // expected size goes with it), while the lease can still be valid.
  void append_result(const std::string& bytes, bool init_segment);
  // Runs `operation` (a Redis read for this job, e.g. of an input asset),
  // retrying it like append_result while Redis is unavailable.
  void retry_while_leased(std::string_view what, const std::function<void()>& operation);

  // Terminal writes. Afterwards the lease is gone by design, so heartbeats
  // stop (a refused one would otherwise read as a lost lease).
  void succeed(const jobs::ResultInfo& result);
  void fail(const jobs::ErrorInfo& error);
  void mark_cancelled();
  void release(const std::string& reason);

 private:
  void observe(const jobs::LeaseStatus& status);

  jobs::JobQueue& queue_;
  runtime::Logger logger_;
  std::string job_id_;
  jobs::JobRecord job_;
  std::mutex lease_mutex_;
  jobs::Lease lease_;
  pipeline::CancellationToken token_;
  std::atomic<StopReason> reason_{StopReason::kNone};
  bool finished_ = false;           // guarded by lease_mutex_
  std::uint64_t result_bytes_ = 0;  // appended so far by this attempt
  // Until when the lease is surely valid: the last successful fenced write
  // plus the lease duration (local clock; Redis's is what counts, so the
  // retries stop a margin earlier).
  std::atomic<std::chrono::steady_clock::rep> lease_valid_until_{0};
  std::atomic<std::chrono::steady_clock::rep> progress_quiet_until_{0};
  void note_lease_extended();
};

}  // namespace animate::worker
