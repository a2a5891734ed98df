#include "worker/queue/worker.h"

#include <optional>
#include <thread>
#include <utility>

#include "animate/common/sha256.h"
#include "animate/jobs/jobs_error.h"
#include "worker/queue/job_failure.h"
#include "worker/queue/job_settings.h"
#include "worker/queue/lease_heartbeat.h"
#include "worker/runner/job_inputs.h"
#include "worker/runner/job_runner.h"

namespace animate::worker {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

jobs::Stage to_jobs_stage(RunStage stage) {
  switch (stage) {
    case RunStage::kPreparingInputs: return jobs::Stage::kPreparingInputs;
    case RunStage::kEncodingConditions: return jobs::Stage::kEncodingConditions;
    case RunStage::kDenoising: return jobs::Stage::kDenoising;
    case RunStage::kDecoding: return jobs::Stage::kDecoding;
    case RunStage::kEncodingVideo: return jobs::Stage::kEncodingVideo;
    case RunStage::kFinalizing: return jobs::Stage::kFinalizing;
  }
  return jobs::Stage::kNone;
}

jobs::Progress to_jobs_progress(const RunProgress& progress) {
  jobs::Progress out;
  out.stage = to_jobs_stage(progress.stage);
  out.step = static_cast<std::uint32_t>(progress.step);
  out.total_steps = static_cast<std::uint32_t>(progress.total_steps);
  out.window = static_cast<std::uint32_t>(progress.window);
  out.total_windows = static_cast<std::uint32_t>(progress.total_windows);
  out.fraction = progress.fraction;
  return out;
}

jobs::Progress stage_progress(RunStage stage, double fraction) {
  jobs::Progress out;
  out.stage = to_jobs_stage(stage);
  out.fraction = fraction;
  return out;
}

// An asset can expire or be deleted between CreateJob and the claim; that is
// a precondition failure of the job, naming the request field.
// Redis being briefly unavailable is retried (JobControl::retry_while_leased).
std::string read_asset(JobControl& control, jobs::AssetStore& assets, const std::string& asset_id,
                       const char* field, const char* what) {
  try {
    std::string bytes;
    control.retry_while_leased("read_asset", [&] { bytes = assets.read_all(asset_id); });
    return bytes;
  } catch (const jobs::JobsError& error) {
    if (error.code() != jobs::StatusCode::kNotFound) throw;
    throw jobs::JobsError(jobs::StatusCode::kFailedPrecondition,
                          std::string(what) + " asset " + asset_id + " no longer exists", field);
  }
}

}  // namespace

const char* job_outcome_name(JobOutcome outcome) {
  switch (outcome) {
    case JobOutcome::kSucceeded: return "succeeded";
    case JobOutcome::kFailed: return "failed";
    case JobOutcome::kCancelled: return "cancelled";
    case JobOutcome::kHandedBack: return "handed back";
    case JobOutcome::kLeaseLost: return "lease lost";
  }
  return "?";
}

Worker::Worker(pipeline::AnimationPipeline& pipeline, jobs::JobQueue& queue,
               jobs::AssetStore& assets, WorkerMetrics* metrics, WorkerOptions options)
    : pipeline_(pipeline),
      queue_(queue),
      assets_(assets),
      metrics_(metrics),
      options_(std::move(options)) {
  if (options_.heartbeat_interval.count() <= 0) options_.heartbeat_interval = options_.lease / 3;
}

std::string Worker::last_job_id() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return last_job_id_;
}

JobOutcome Worker::last_outcome() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return last_outcome_;
}

void Worker::stop_claiming() {
  const std::lock_guard<std::mutex> lock(mutex_);
  stopping_ = true;
}

bool Worker::stopping() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

void Worker::hand_back_running_job() {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (running_ != nullptr) running_->stop(StopReason::kHandBack);
}

bool Worker::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return idle_.wait_for(lock, timeout, [this] { return running_ == nullptr; });
}

bool Worker::drain(std::chrono::milliseconds grace) {
  stop_claiming();
  if (wait_idle(grace)) return true;
  options_.logger.info(
      "drain: the running job did not finish within the grace period; handing it back");
  hand_back_running_job();
  // Cancellation is honoured at the next step boundary; the release follows.
  wait_idle(std::chrono::hours(24));
  return false;
}

bool Worker::run_once() {
  if (stopping()) return false;
  jobs::ClaimOptions claim;
  claim.worker_id = options_.worker_id;
  claim.lease = options_.lease;
  claim.wait = options_.claim_wait;
  std::optional<jobs::Lease> lease = queue_.claim(claim);
  if (!lease) return false;
  if (stopping()) {
    // Claimed while the drain began: give it straight back, untouched.
    queue_.release(*lease, "worker " + options_.worker_id + " is shutting down");
    if (metrics_) metrics_->job_handed_back();
    options_.logger.info("handed back at once (draining)", {{"job_id", lease->job_id}});
    return true;
  }
  run_claimed(std::move(*lease));
  return true;
}

void Worker::run_until_stopped() {
  while (!stopping()) {
    try {
      run_once();
    } catch (const std::exception& error) {
      options_.logger.warning("claiming a job failed (retrying)", {{"error", error.what()}});
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
}

JobOutcome Worker::run_claimed(jobs::Lease lease) {
  const Clock::time_point claimed = Clock::now();
  // Both ends are Redis's clock: the claim time is the new expiry minus the lease.
  const double queue_wait_seconds =
      static_cast<double>(lease.expires_ms - lease.duration.count() - lease.job.create_ms) / 1000.0;
  runtime::Logger logger = options_.logger.with(
      {{"job_id", lease.job_id}, {"tenant", lease.job.tenant}, {"attempt", lease.attempt}});
  logger.info("claimed", {{"queue_wait_s", queue_wait_seconds}});
  if (metrics_) {
    if (queue_wait_seconds >= 0.0) metrics_->observe_queue_wait(queue_wait_seconds);
    metrics_->set_running(true);
  }

  JobControl control(queue_, std::move(lease), logger);
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    running_ = &control;
  }
  JobOutcome outcome;
  {
    LeaseHeartbeat heartbeat(control, options_.heartbeat_interval);
    outcome = process(control, claimed);
  }
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    running_ = nullptr;
    last_job_id_ = control.job_id();
    last_outcome_ = outcome;
  }
  idle_.notify_all();
  if (metrics_) metrics_->set_running(false);
  logger.info("finished",
              {{"outcome", job_outcome_name(outcome)}, {"run_s", seconds_since(claimed)}});
  return outcome;
}

JobOutcome Worker::process(JobControl& control, Clock::time_point claimed) {
  RunStage stage = RunStage::kPreparingInputs;
  const jobs::JobParams& params = control.job().params;
  try {
    control.report_progress(stage_progress(RunStage::kPreparingInputs, 0.0));
    const Clock::time_point prepare_start = Clock::now();
    const std::string image = read_asset(control, assets_, params.reference_image_asset_id,
                                         "params.reference_image_asset_id", "reference image");
    const std::string pose = read_asset(control, assets_, params.pose_video_asset_id,
                                        "params.pose_video_asset_id", "pose video");
    std::optional<std::string> reference_pose;
    if (!params.reference_pose_asset_id.empty()) {
      reference_pose = read_asset(control, assets_, params.reference_pose_asset_id,
                                  "params.reference_pose_asset_id", "reference pose");
    }
    InputDecodeOptions decode = decode_options_from_job_params(params);
    decode.limits = options_.limits;
    const JobInputs inputs = decode_input_memory(
        image, pose,
        reference_pose ? std::optional<std::string_view>(*reference_pose) : std::nullopt, decode);
    const double prepare_seconds = seconds_since(prepare_start);

    RenderSettings settings = settings_from_job_params(params);
    settings.x264_preset = options_.x264_preset;
    settings.encoder_threads = options_.encoder_threads;

    common::Sha256 hash;
    RunCallbacks callbacks;
    callbacks.progress = [&](const RunProgress& progress) {
      stage = progress.stage;
      control.report_progress(to_jobs_progress(progress));
    };
    callbacks.chunk = [&](std::string_view bytes, media::ChunkKind kind) {
      control.append_result(std::string(bytes), kind == media::ChunkKind::kInit);
      hash.update(bytes);
    };
    if (metrics_) callbacks.denoise_step = [&](double s) { metrics_->observe_denoise_step(s); };
    RunOutcome outcome = run_job(pipeline_, inputs, settings, callbacks, &control.token());
    outcome.times[RunStage::kPreparingInputs] += prepare_seconds;

    stage = RunStage::kFinalizing;
    const Clock::time_point finalize_start = Clock::now();
    control.report_progress(stage_progress(RunStage::kFinalizing, 0.99));
    jobs::ResultInfo result;
    result.size_bytes = outcome.bytes;
    result.sha256 = hash.hex_digest();
    result.width = static_cast<std::uint32_t>(outcome.width);
    result.height = static_cast<std::uint32_t>(outcome.height);
    result.frame_count = static_cast<std::uint32_t>(outcome.frames);
    result.fps = outcome.fps;
    result.duration_ms = static_cast<std::int64_t>(outcome.frames * 1000.0 / outcome.fps + 0.5);
    control.succeed(result);
    outcome.times[RunStage::kFinalizing] = seconds_since(finalize_start);
    if (metrics_) {
      metrics_->observe_stages(outcome.times);
      metrics_->job_finished(FinalState::kSucceeded, seconds_since(claimed));
    }
    return JobOutcome::kSucceeded;
  } catch (...) {
    const std::exception_ptr error = std::current_exception();
    try {
      switch (control.reason()) {
        case StopReason::kCancelRequested:
          control.mark_cancelled();
          if (metrics_) metrics_->job_finished(FinalState::kCancelled, seconds_since(claimed));
          return JobOutcome::kCancelled;
        case StopReason::kHandBack:
          control.release("worker " + options_.worker_id + " is shutting down");
          if (metrics_) metrics_->job_handed_back();
          return JobOutcome::kHandedBack;
        case StopReason::kLeaseLost: return JobOutcome::kLeaseLost;
        case StopReason::kNone: break;
      }
      const jobs::ErrorInfo info = describe_failure(error, stage);
      control.logger().warning("failed",
                               {{"code", jobs::to_string(info.code)}, {"error", info.message}});
      control.fail(info);
      if (metrics_) metrics_->job_finished(FinalState::kFailed, seconds_since(claimed));
      return JobOutcome::kFailed;
    } catch (const jobs::JobsError& write_error) {
      if (write_error.code() == jobs::StatusCode::kAborted) return JobOutcome::kLeaseLost;
      // Redis is away: the lease expires and the job is retried elsewhere.
      control.logger().error("could not record its outcome", {{"error", write_error.what()}});
      return JobOutcome::kFailed;
    }
  }
}

}  // namespace animate::worker
