// animate.v1.AnimateService on top of the jobs library (sync gRPC API: each
// call runs on a server thread and blocks on Redis). Every call is
// authenticated (tenant), counted (animate_grpc_calls_total) and logged once
// when it ends; a tenant only ever sees its own jobs and assets — other
// tenants' ids answer NOT_FOUND, exactly like ids that do not exist.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "animate/jobs/asset_store.h"
#include "animate/jobs/blob_store.h"
#include "animate/jobs/event_reader.h"
#include "animate/jobs/job_queue.h"
#include "animate/runtime/logger.h"
#include "animate/v1/animate_service.grpc.pb.h"
#include "asset_ownership.h"
#include "authenticator.h"
#include "create_job_request.h"
#include "media/limits.h"
#include "server_metrics.h"

namespace animate::server {

// The stores the service works on (owned by the caller, outliving it).
struct ServiceBackend {
  jobs::JobQueue& queue;
  jobs::BlobStore& blobs;
  jobs::AssetStore& assets;
  jobs::EventReader& events;
  AssetOwnership& ownership;
};

struct ServiceOptions {
  std::uint64_t max_upload_bytes = 256ull << 20;
  media::MediaLimits media_limits;
  // Smallest width and height of an uploaded image or pose video frame.
  std::uint32_t min_image_side = 64;
  // Highest priority a tenant may give its jobs unless its keys-file line
  // says otherwise.
  int max_tenant_priority = 0;
  JobLimits job_limits;
  // How long one WatchJob read blocks in Redis; also how quickly watch
  // streams notice a shutdown or a client that went away.
  std::chrono::milliseconds watch_poll{500};
  // How often a watch of a queued job re-reads its queue position.
  std::chrono::milliseconds position_interval{1000};
  // Bytes per GetResult message.
  std::uint64_t result_message_bytes = 1 << 20;
};

class AnimateService final : public v1::AnimateService::Service {
 public:
  AnimateService(ServiceBackend backend, ServiceOptions options, const Authenticator& auth,
                 ServerMetrics& metrics, const runtime::Logger& logger);

  // From now on watch streams end with UNAVAILABLE at their next poll (the
  // client reconnects elsewhere with from_sequence = last seen + 1).
  void begin_shutdown() { shutting_down_ = true; }

  grpc::Status UploadAsset(grpc::ServerContext* context,
                           grpc::ServerReader<v1::UploadAssetRequest>* reader,
                           v1::UploadAssetResponse* response) override;
  grpc::Status CreateJob(grpc::ServerContext* context, const v1::CreateJobRequest* request,
                         v1::CreateJobResponse* response) override;
  grpc::Status GetJob(grpc::ServerContext* context, const v1::GetJobRequest* request,
                      v1::GetJobResponse* response) override;
  grpc::Status ListJobs(grpc::ServerContext* context, const v1::ListJobsRequest* request,
                        v1::ListJobsResponse* response) override;
  grpc::Status CancelJob(grpc::ServerContext* context, const v1::CancelJobRequest* request,
                         v1::CancelJobResponse* response) override;
  grpc::Status DeleteJob(grpc::ServerContext* context, const v1::DeleteJobRequest* request,
                         v1::DeleteJobResponse* response) override;
  grpc::Status WatchJob(grpc::ServerContext* context, const v1::WatchJobRequest* request,
                        grpc::ServerWriter<v1::WatchJobResponse>* writer) override;
  grpc::Status GetResult(grpc::ServerContext* context, const v1::GetResultRequest* request,
                         grpc::ServerWriter<v1::GetResultResponse>* writer) override;

 private:
  // Authenticates, runs body(tenant), maps exceptions to statuses, counts
  // and logs the call.
  template <typename Body>
  grpc::Status handle(const char* method, grpc::ServerContext& context, Body&& body);

  // The job when it exists and belongs to the tenant; else NOT_FOUND.
  jobs::JobRecord owned_job(const std::string& tenant, const std::string& job_id);
  void fill_job(const jobs::JobRecord& job, v1::Job* out);

  grpc::Status upload(grpc::ServerContext& context, const std::string& tenant,
                      grpc::ServerReader<v1::UploadAssetRequest>& reader,
                      v1::UploadAssetResponse& response);
  grpc::Status watch(grpc::ServerContext& context, const std::string& tenant,
                     const v1::WatchJobRequest& request,
                     grpc::ServerWriter<v1::WatchJobResponse>& writer);

  ServiceBackend backend_;
  ServiceOptions options_;
  const Authenticator& auth_;
  ServerMetrics& metrics_;
  const runtime::Logger& logger_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace animate::server
