#pragma once
// Serves GET /metrics over HTTP/1.0: the worker's own series plus, where NVML
// finds a GPU, the animate_gpu_* series, in Prometheus' text format.
//
// Why not prometheus-cpp's Exposer: its civetweb starts threads with a fixed
// ~100 KiB stack, and in a process that has LibTorch loaded the static TLS
// alone exceeds that, so pthread_create fails ("Cannot create threads"). One
// plain thread with a default stack, one request at a time, is all a scrape
// endpoint needs.
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "worker/worker_metrics.h"

namespace animate::worker {

class NvmlCollector;

class MetricsServer {
 public:
  // listen: "host:port" (port 0 picks a free one). Throws std::runtime_error
  // when the address cannot be bound.
  MetricsServer(const std::string& listen, const WorkerMetrics& metrics);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  int port() const { return port_; }
  bool has_gpu_metrics() const { return nvml_ != nullptr; }

  // The exposition text a scrape gets.
  std::string render() const;

 private:
  void serve();
  void answer(int connection) const;

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<NvmlCollector> nvml_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace animate::worker
