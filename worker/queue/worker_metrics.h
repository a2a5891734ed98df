#pragma once
// The worker's Prometheus series, exactly those docs/service-contract.md
// lists for the worker (names, labels, buckets). GPU series live in
// NvmlCollector, registered only where NVML finds a GPU.
#include <memory>
#include <string>

#include "worker/runner/run_stage.h"

namespace prometheus {
class Registry;
class Histogram;
class Gauge;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace animate::worker {

// The final states a worker writes (label `state`).
enum class FinalState { kSucceeded, kFailed, kCancelled };
const char* final_state_name(FinalState state);

class WorkerMetrics {
 public:
  WorkerMetrics();
  ~WorkerMetrics();
  WorkerMetrics(const WorkerMetrics&) = delete;
  WorkerMetrics& operator=(const WorkerMetrics&) = delete;

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  void observe_queue_wait(double seconds);
  void observe_stage(RunStage stage, double seconds);
  void observe_stages(const StageTimes& times);  // every stage with time > 0
  void observe_denoise_step(double seconds);
  // A job this worker brought to a final state after running it for `run_seconds`.
  void job_finished(FinalState state, double run_seconds);
  // A job this worker gave back to the queue without using an attempt
  // (draining): animate_jobs_requeued_total{reason="handed_back"}.
  void job_handed_back();
  void set_running(bool running);
  void set_model_load_seconds(double seconds);
  void set_ready(bool ready);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Histogram* queue_wait_;
  prometheus::Family<prometheus::Histogram>* stage_duration_;
  prometheus::Histogram* denoise_step_;
  prometheus::Family<prometheus::Histogram>* job_run_;
  prometheus::Family<prometheus::Counter>* jobs_finished_;
  prometheus::Counter* jobs_handed_back_;
  prometheus::Gauge* jobs_running_;
  prometheus::Gauge* model_load_;
  prometheus::Gauge* ready_;
};

}  // namespace animate::worker
