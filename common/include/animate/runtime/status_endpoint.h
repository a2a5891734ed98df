// The operational HTTP endpoint of a service binary, the same on server and
// worker (docs/service-contract.md, Ports):
//   GET /metrics  Prometheus text format (0.0.4) of the registered collectables
//   GET /healthz  liveness: 200 "ok" while the process serves, 503 + reason
//                 when its liveness check fails (restart me)
//   GET /readyz   readiness: 200 "ready", or 503 + reason (loading, draining,
//                 Redis unreachable): send me no work
// Served by HttpServer (concurrent, a stuck client blocks nobody).
#pragma once

#include <prometheus/collectable.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "animate/runtime/http_server.h"

namespace animate::runtime {

// A probe's answer: ok, or not with a reason for people ("loading the model").
struct ProbeState {
  bool ok = true;
  std::string reason;
};

// Readiness (or liveness) that the process flips as it moves through its
// life; thread-safe. Starts not ready with `initial_reason`.
class ProbeFlag {
 public:
  explicit ProbeFlag(std::string initial_reason, bool ok = false);
  void set_ok();
  void set_failing(std::string reason);
  ProbeState state() const;

 private:
  mutable std::mutex mutex_;
  ProbeState state_;
};

struct StatusSources {
  std::vector<std::shared_ptr<prometheus::Collectable>> metrics;
  std::function<ProbeState()> liveness;   // empty = always live
  std::function<ProbeState()> readiness;  // empty = always ready
};

class StatusEndpoint {
 public:
  // Throws std::runtime_error naming `listen` when it cannot serve there.
  StatusEndpoint(const std::string& listen, StatusSources sources, HttpServerOptions options = {});

  int port() const { return server_.port(); }
  // The /metrics body.
  std::string render_metrics() const;

 private:
  static std::map<std::string, HttpHandler> routes(const StatusSources& sources);

  StatusSources sources_;
  HttpServer server_;
};

}  // namespace animate::runtime
