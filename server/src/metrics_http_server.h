// A minimal HTTP/1.0 endpoint for Prometheus scrapes: GET /metrics answers the
// text exposition format of a registry; anything else is 404.
//
// Why not prometheus-cpp-pull's Exposer: the Debian 12 build of
// libprometheus-cpp-pull 1.0.1 crashes in mg_printf (civetweb worker) on the
// first scrape (seen here and upstream, jupp0r/prometheus-cpp#739). Scrapes
// are rare and tiny, so one thread serving one connection at a time is
// enough.
#pragma once

#include <prometheus/registry.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace animate::server {

class MetricsHttpServer {
 public:
  // Binds `listen` ("host:port", port 0 = any free port) and starts serving.
  // Throws std::runtime_error when the address cannot be bound.
  MetricsHttpServer(const std::string& listen, std::shared_ptr<prometheus::Registry> registry);
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  int port() const { return port_; }

 private:
  void serve();
  void answer(int connection);

  std::shared_ptr<prometheus::Registry> registry_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace animate::server
