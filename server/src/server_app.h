// The running server: Redis stores, the gRPC server (AnimateService, health,
// reflection; TLS optional), the status endpoint (/metrics, /healthz,
// /readyz; common/) and the maintenance loop (JobQueue::maintain about once a
// second, the pending-jobs gauge, health NOT_SERVING and /readyz 503 while
// Redis is unreachable). Used by main() and, in-process, by the integration
// tests.
#pragma once

#include <grpcpp/server.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "animate/jobs/asset_store.h"
#include "animate/jobs/blob_store.h"
#include "animate/jobs/connection_pool.h"
#include "animate/jobs/event_reader.h"
#include "animate/jobs/job_queue.h"
#include "animate/runtime/logger.h"
#include "animate/runtime/status_endpoint.h"
#include "animate_service.h"
#include "asset_ownership.h"
#include "authenticator.h"
#include "server_config.h"
#include "server_metrics.h"

namespace animate::server {

class ServerApp {
 public:
  // Starts serving. Throws std::runtime_error (bad keys file, TLS files,
  // address in use) — the message never contains an API key.
  explicit ServerApp(const ServerConfig& config);
  // Shuts down if still running.
  ~ServerApp();
  ServerApp(const ServerApp&) = delete;
  ServerApp& operator=(const ServerApp&) = delete;

  // The bound gRPC port (useful with port 0).
  int grpc_port() const { return grpc_port_; }
  // The bound metrics port; 0 when metrics are off.
  int metrics_port() const;
  // Health SERVING: Redis answered a maintenance round and no drain began.
  bool serving() const { return serving_; }

  // Graceful shutdown (idempotent, thread-safe): health NOT_SERVING, no new
  // calls, watch streams end with UNAVAILABLE, in-flight calls get
  // config.shutdown_grace before they are cancelled.
  void shutdown();
  // Blocks until shutdown() has completed.
  void wait();

  // Re-reads the API keys file (SIGHUP); false (logged) on error, old keys kept.
  bool reload_api_keys();

  const runtime::Logger& logger() const { return logger_; }

 private:
  void maintenance_loop();
  void set_serving(bool serving);
  runtime::ProbeState liveness() const;

  ServerConfig config_;
  runtime::Logger logger_;
  ServerMetrics metrics_;
  Authenticator auth_;
  std::shared_ptr<jobs::ConnectionPool> pool_;
  std::unique_ptr<jobs::JobQueue> queue_;
  std::unique_ptr<jobs::BlobStore> blobs_;
  std::unique_ptr<jobs::AssetStore> assets_;
  std::unique_ptr<jobs::EventReader> events_;
  std::unique_ptr<AssetOwnership> ownership_;
  std::unique_ptr<AnimateService> service_;
  std::unique_ptr<grpc::Server> server_;
  int grpc_port_ = 0;
  runtime::ProbeFlag readiness_{"starting"};
  // When the maintenance loop last finished a round (liveness).
  std::atomic<std::chrono::steady_clock::rep> maintenance_tick_{0};
  std::unique_ptr<runtime::StatusEndpoint> status_;

  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::atomic<bool> serving_{false};
  std::atomic<bool> draining_{false};
  std::thread maintenance_;
};

}  // namespace animate::server
