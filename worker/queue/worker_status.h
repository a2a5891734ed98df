#pragma once
// What animate-worker's status endpoint (common/'s StatusEndpoint on
// --metrics-listen) serves: the worker's series, the animate_gpu_* series
// where NVML finds a GPU, and readiness (/readyz: 200 once the pipeline is
// loaded and warmed up, 503 with the reason while loading or draining; the
// gRPC health service and animate_worker_ready follow the same state).
#include <memory>
#include <string>

#include "animate/runtime/status_endpoint.h"
#include "worker/queue/health_server.h"
#include "worker/queue/nvml_collector.h"
#include "worker/queue/worker_metrics.h"

namespace animate::worker {

class WorkerStatus {
 public:
  // nvml may be null (no driver, no GPU). Starts not ready ("loading").
  WorkerStatus(WorkerMetrics& metrics, std::shared_ptr<NvmlCollector> nvml);

  runtime::StatusSources sources() const;
  bool has_gpu_metrics() const { return nvml_ != nullptr; }

  // Every readiness signal at once; `health` may be null.
  void set_ready(HealthServer* health);
  void set_not_ready(HealthServer* health, std::string reason);

 private:
  WorkerMetrics& metrics_;
  std::shared_ptr<NvmlCollector> nvml_;
  std::shared_ptr<runtime::ProbeFlag> readiness_;
};

}  // namespace animate::worker
