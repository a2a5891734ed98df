#include "worker/queue/worker_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace animate::worker {
namespace {

// Buckets as the service contract lists them.
const prometheus::Histogram::BucketBoundaries kQueueWaitBuckets = {
    0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200};
const prometheus::Histogram::BucketBoundaries kStageBuckets = {
    0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600};
const prometheus::Histogram::BucketBoundaries kDenoiseStepBuckets = {0.05, 0.1, 0.25, 0.5, 1,  2,
                                                                     4,    8,   15,   30,  60, 120};
const prometheus::Histogram::BucketBoundaries kJobRunBuckets = {1,   10,   30,   60,   120, 300,
                                                                600, 1200, 1800, 3600, 7200};

}  // namespace

const char* final_state_name(FinalState state) {
  switch (state) {
    case FinalState::kSucceeded: return "succeeded";
    case FinalState::kFailed: return "failed";
    case FinalState::kCancelled: return "cancelled";
  }
  return "?";
}

WorkerMetrics::WorkerMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  queue_wait_ = &prometheus::BuildHistogram()
                     .Name("animate_queue_wait_seconds")
                     .Help("Enqueue to claim of each attempt, in seconds.")
                     .Register(*registry_)
                     .Add({}, kQueueWaitBuckets);
  stage_duration_ = &prometheus::BuildHistogram()
                         .Name("animate_stage_duration_seconds")
                         .Help("Wall time of each stage of a job, in seconds.")
                         .Register(*registry_);
  denoise_step_ =
      &prometheus::BuildHistogram()
           .Name("animate_denoise_step_seconds")
           .Help("One denoise step of one window (all DiT passes incl. CFG), in seconds.")
           .Register(*registry_)
           .Add({}, kDenoiseStepBuckets);
  job_run_ = &prometheus::BuildHistogram()
                  .Name("animate_job_run_seconds")
                  .Help("Claim to final state of an attempt that ended the job, in seconds.")
                  .Register(*registry_);
  jobs_finished_ = &prometheus::BuildCounter()
                        .Name("animate_jobs_finished_total")
                        .Help("Jobs this worker brought to a final state.")
                        .Register(*registry_);
  jobs_handed_back_ = &prometheus::BuildCounter()
                           .Name("animate_jobs_requeued_total")
                           .Help("Jobs put back in the queue, by reason.")
                           .Register(*registry_)
                           .Add({{"reason", "handed_back"}});
  jobs_running_ = &prometheus::BuildGauge()
                       .Name("animate_jobs_running")
                       .Help("Jobs this worker is running (0 or 1).")
                       .Register(*registry_)
                       .Add({});
  model_load_ =
      &prometheus::BuildGauge()
           .Name("animate_model_load_seconds")
           .Help("Start to pipeline resident and warm-up step done, in seconds (0 until then).")
           .Register(*registry_)
           .Add({});
  ready_ = &prometheus::BuildGauge()
                .Name("animate_worker_ready")
                .Help("1 while the worker's health is SERVING, 0 while loading or draining.")
                .Register(*registry_)
                .Add({});
  // Every label value exists from the start, so dashboards see zeros rather
  // than missing series before the first job.
  for (std::size_t i = 0; i < kRunStageCount; ++i) {
    stage_duration_->Add({{"stage", run_stage_name(static_cast<RunStage>(i))}}, kStageBuckets);
  }
  for (FinalState state : {FinalState::kSucceeded, FinalState::kFailed, FinalState::kCancelled}) {
    job_run_->Add({{"state", final_state_name(state)}}, kJobRunBuckets);
    jobs_finished_->Add({{"state", final_state_name(state)}});
  }
}

WorkerMetrics::~WorkerMetrics() = default;

void WorkerMetrics::observe_queue_wait(double seconds) {
  queue_wait_->Observe(seconds);
}

void WorkerMetrics::observe_stage(RunStage stage, double seconds) {
  stage_duration_->Add({{"stage", run_stage_name(stage)}}, kStageBuckets).Observe(seconds);
}

void WorkerMetrics::observe_stages(const StageTimes& times) {
  for (std::size_t i = 0; i < kRunStageCount; ++i) {
    const auto stage = static_cast<RunStage>(i);
    if (times[stage] > 0.0) observe_stage(stage, times[stage]);
  }
}

void WorkerMetrics::observe_denoise_step(double seconds) {
  denoise_step_->Observe(seconds);
}

void WorkerMetrics::job_finished(FinalState state, double run_seconds) {
  jobs_finished_->Add({{"state", final_state_name(state)}}).Increment();
  job_run_->Add({{"state", final_state_name(state)}}, kJobRunBuckets).Observe(run_seconds);
}

void WorkerMetrics::job_handed_back() {
  jobs_handed_back_->Increment();
}

void WorkerMetrics::set_running(bool running) {
  jobs_running_->Set(running ? 1.0 : 0.0);
}

void WorkerMetrics::set_model_load_seconds(double seconds) {
  model_load_->Set(seconds);
}

void WorkerMetrics::set_ready(bool ready) {
  ready_->Set(ready ? 1.0 : 0.0);
}

}  // namespace animate::worker
