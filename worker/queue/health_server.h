#pragma once
// The worker's gRPC endpoint: grpc.health.v1.Health only (gRPC's built-in
// service, Check and Watch), overall service "". Readiness is decided by the
// caller: NOT_SERVING while loading, SERVING after the warm-up, NOT_SERVING
// again while draining.
#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace grpc {
class Server;
class ServerCompletionQueue;
}  // namespace grpc

namespace animate::worker {

class HealthServer {
 public:
  // listen: "host:port" (port 0 picks one). Starts NOT_SERVING. Throws
  // std::runtime_error when it cannot listen.
  explicit HealthServer(const std::string& listen);
  ~HealthServer();
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  int port() const { return port_; }
  void set_serving(bool serving);
  bool serving() const { return serving_; }

 private:
  std::unique_ptr<grpc::Server> server_;
  // gRPC refuses to build a server without a polled completion queue when
  // no other service is registered; this one only ever sees shutdown.
  std::unique_ptr<grpc::ServerCompletionQueue> queue_;
  std::thread poller_;
  int port_ = 0;
  std::atomic<bool> serving_{false};
};

}  // namespace animate::worker
