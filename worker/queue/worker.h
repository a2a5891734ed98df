#pragma once
// The worker's job loop over a resident pipeline: claim (lease) -> load the
// assets -> decode -> run with progress events, cancellation at step
// boundaries and fMP4 chunks appended as the decode produces frames ->
// succeed / fail / cancelled. A background heartbeat keeps the lease; a lost
// lease cancels the run. Draining stops claiming and hands the running job
// back (no attempt used) when it does not finish in time.
//
// Owns no infrastructure (Redis, pipeline, metrics are the caller's), so
// tests run it in-process against a private redis-server and the tiny model.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "animate/jobs/asset_store.h"
#include "animate/jobs/job_queue.h"
#include "animate/runtime/logger.h"
#include "media/limits.h"
#include "model/pipeline/animation_pipeline.h"
#include "worker/queue/job_control.h"
#include "worker/queue/worker_metrics.h"

namespace animate::worker {

struct WorkerOptions {
  std::string worker_id;
  std::chrono::milliseconds lease{60000};
  // 0 = a third of the lease.
  std::chrono::milliseconds heartbeat_interval{0};
  // How long one claim() waits for a job before the loop looks at its stop flag.
  std::chrono::milliseconds claim_wait{1000};
  media::MediaLimits limits;
  std::string x264_preset = "medium";
  int encoder_threads = 0;
  // Each job's lines carry job_id, tenant and attempt.
  runtime::Logger logger{"worker"};
};

// What happened to a claimed job (for logs and tests).
enum class JobOutcome { kSucceeded, kFailed, kCancelled, kHandedBack, kLeaseLost };
const char* job_outcome_name(JobOutcome outcome);

class Worker {
 public:
  // metrics may be null.
  Worker(pipeline::AnimationPipeline& pipeline, jobs::JobQueue& queue, jobs::AssetStore& assets,
         WorkerMetrics* metrics, WorkerOptions options);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Claims at most one job (waiting up to claim_wait) and runs it to its
  // end. Returns whether a job was claimed. Redis errors from claim()
  // propagate; everything after the claim is handled.
  bool run_once();
  // run_once() until stop_claiming(); Redis outages are logged and retried.
  void run_until_stopped();

  void stop_claiming();
  bool stopping() const;
  // Cancels the running job (if any) and hands it back to the queue.
  void hand_back_running_job();
  // Waits until no job is running; false on timeout.
  bool wait_idle(std::chrono::milliseconds timeout);
  // stop_claiming(), give the running job `grace` to finish, then hand it
  // back. Returns true when nothing had to be handed back.
  bool drain(std::chrono::milliseconds grace);

  // The most recent job this worker claimed and ran, and how it ended.
  std::string last_job_id() const;
  JobOutcome last_outcome() const;

 private:
  JobOutcome run_claimed(jobs::Lease lease);
  JobOutcome process(JobControl& control, std::chrono::steady_clock::time_point claimed);

  pipeline::AnimationPipeline& pipeline_;
  jobs::JobQueue& queue_;
  jobs::AssetStore& assets_;
  WorkerMetrics* metrics_;
  WorkerOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable idle_;
  bool stopping_ = false;
  JobControl* running_ = nullptr;  // the job being run, owned by run_claimed's frame

  std::string last_job_id_;
  JobOutcome last_outcome_ = JobOutcome::kSucceeded;
};

}  // namespace animate::worker
