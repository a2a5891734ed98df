#include "server_metrics.h"

namespace animate::server {

ServerMetrics::ServerMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      grpc_calls_(prometheus::BuildCounter()
                      .Name("animate_grpc_calls_total")
                      .Help("Finished animate.v1.AnimateService calls by method and status code")
                      .Register(*registry_)),
      upload_bytes_(prometheus::BuildCounter()
                        .Name("animate_upload_bytes_total")
                        .Help("Bytes received by UploadAsset (rejected uploads included)")
                        .Register(*registry_)),
      jobs_finished_(prometheus::BuildCounter()
                         .Name("animate_jobs_finished_total")
                         .Help("Jobs that reached a final state, counted by the process that "
                               "wrote it")
                         .Register(*registry_)),
      jobs_created_(prometheus::BuildCounter()
                        .Name("animate_jobs_created_total")
                        .Help("Jobs enqueued by CreateJob (idempotent replays not counted)")
                        .Register(*registry_)
                        .Add({})),
      jobs_pending_(prometheus::BuildGauge()
                        .Name("animate_jobs_pending")
                        .Help("Jobs waiting in the Redis queue (aggregate replicas with max)")
                        .Register(*registry_)
                        .Add({})),
      jobs_requeued_(prometheus::BuildCounter()
                         .Name("animate_jobs_requeued_total")
                         .Help("Jobs put back in the queue, by reason (lease_expired: the "
                               "worker was lost and the job is retried)")
                         .Register(*registry_)),
      lease_expirations_(prometheus::BuildCounter()
                             .Name("animate_lease_expirations_total")
                             .Help("Job leases that ran out (a worker lost while running a job)")
                             .Register(*registry_)
                             .Add({})),
      auth_disabled_(prometheus::BuildGauge()
                         .Name("animate_server_auth_disabled")
                         .Help("1 while the server runs with --insecure-no-auth (every caller is "
                               "tenant 'default')")
                         .Register(*registry_)
                         .Add({})) {}

void ServerMetrics::leases_expired(std::uint64_t count) {
  lease_expirations_.Increment(static_cast<double>(count));
}

void ServerMetrics::jobs_requeued(const std::string& reason, std::uint64_t count) {
  jobs_requeued_.Add({{"reason", reason}}).Increment(static_cast<double>(count));
}

void ServerMetrics::set_auth_disabled(bool disabled) {
  auth_disabled_.Set(disabled ? 1.0 : 0.0);
}

void ServerMetrics::count_call(const std::string& method, const std::string& code) {
  grpc_calls_.Add({{"method", method}, {"code", code}}).Increment();
}

void ServerMetrics::add_upload_bytes(const std::string& kind, std::uint64_t bytes) {
  upload_bytes_.Add({{"kind", kind}}).Increment(static_cast<double>(bytes));
}

void ServerMetrics::job_created() {
  jobs_created_.Increment();
}

void ServerMetrics::job_finished(const std::string& state, std::uint64_t count) {
  jobs_finished_.Add({{"state", state}}).Increment(static_cast<double>(count));
}

void ServerMetrics::set_pending(std::uint64_t jobs) {
  jobs_pending_.Set(static_cast<double>(jobs));
}

}  // namespace animate::server
