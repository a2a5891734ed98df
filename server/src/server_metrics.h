// The server's Prometheus series (docs/service-contract.md, Metrics: exactly
// those names, labels and units); ServerApp serves them on /metrics.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace animate::server {

class ServerMetrics {
 public:
  ServerMetrics();

  // method: bare RPC name ("CreateJob"); code: canonical name ("OK").
  void count_call(const std::string& method, const std::string& code);
  // kind: AssetKind without its prefix ("reference_image").
  void add_upload_bytes(const std::string& kind, std::uint64_t bytes);
  void job_created();
  // state: "succeeded", "failed", "cancelled".
  void job_finished(const std::string& state, std::uint64_t count = 1);
  void set_pending(std::uint64_t jobs);
  // Maintenance outcomes (collected from Redis, whoever did the work).
  void leases_expired(std::uint64_t count);
  void jobs_requeued(const std::string& reason, std::uint64_t count);
  // 1 while the server runs with --insecure-no-auth.
  void set_auth_disabled(bool disabled);

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& grpc_calls_;
  prometheus::Family<prometheus::Counter>& upload_bytes_;
  prometheus::Family<prometheus::Counter>& jobs_finished_;
  prometheus::Counter& jobs_created_;
  prometheus::Gauge& jobs_pending_;
  prometheus::Family<prometheus::Counter>& jobs_requeued_;
  prometheus::Counter& lease_expirations_;
  prometheus::Gauge& auth_disabled_;
};

}  // namespace animate::server
