#include "worker/queue/worker_status.h"

#include <prometheus/registry.h>

namespace animate::worker {

WorkerStatus::WorkerStatus(WorkerMetrics& metrics, std::shared_ptr<NvmlCollector> nvml)
    : metrics_(metrics),
      nvml_(std::move(nvml)),
      readiness_(std::make_shared<runtime::ProbeFlag>("loading the pipeline")) {}

runtime::StatusSources WorkerStatus::sources() const {
  runtime::StatusSources sources;
  sources.metrics.push_back(metrics_.registry());
  if (nvml_) sources.metrics.push_back(nvml_);
  sources.readiness = [readiness = readiness_] { return readiness->state(); };
  return sources;
}

void WorkerStatus::set_ready(HealthServer* health) {
  readiness_->set_ok();
  metrics_.set_ready(true);
  if (health) health->set_serving(true);
}

void WorkerStatus::set_not_ready(HealthServer* health, std::string reason) {
  if (health) health->set_serving(false);
  metrics_.set_ready(false);
  readiness_->set_failing(std::move(reason));
}

}  // namespace animate::worker
