#include "animate_service.h"

#include <algorithm>
#include <cctype>

#include "animate/jobs/ids.h"
#include "animate/jobs/job_state.h"
#include "animate/jobs/jobs_error.h"
#include "grpc_errors.h"
#include "proto_convert.h"
#include "sha256.h"
#include "upload_validator.h"

namespace animate::server {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kDefaultPageSize = 50;
constexpr std::uint32_t kMaxPageSize = 500;
constexpr std::uint32_t kWatchBatch = 64;

// "reference_image" for ASSET_KIND_REFERENCE_IMAGE (metric label).
std::string kind_label(v1::AssetKind kind) {
  std::string name = v1::AssetKind_Name(kind);
  constexpr std::string_view kPrefix = "ASSET_KIND_";
  if (name.rfind(kPrefix, 0) == 0) name = name.substr(kPrefix.size());
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name.empty() ? "unspecified" : name;
}

std::string metadata_value(const grpc::ServerContext& context, const std::string& key) {
  const auto& metadata = context.client_metadata();
  const auto found = metadata.find(key);
  if (found == metadata.end()) return {};
  return std::string(found->second.data(), found->second.size());
}

// The caller's request id (x-request-id metadata) for the request log line:
// printable ASCII, at most 128 bytes; anything else is dropped, not logged.
std::string request_id_of(const grpc::ServerContext& context) {
  constexpr std::size_t kMaxRequestIdBytes = 128;
  std::string id = metadata_value(context, "x-request-id");
  const bool printable =
      std::all_of(id.begin(), id.end(), [](unsigned char c) { return c > 0x20 && c < 0x7F; });
  if (!printable || id.size() > kMaxRequestIdBytes) return {};
  return id;
}

void log_request(const runtime::Logger& logger, std::string_view method, std::string_view code,
                 Clock::duration duration, std::string_view tenant, std::string_view request_id,
                 std::string_view error) {
  if (!logger.enabled(runtime::LogLevel::kInfo)) return;
  runtime::LogFields fields{
      {"method", method},
      {"code", code},
      {"duration_ms", std::chrono::duration<double, std::milli>(duration).count()},
      {"tenant", tenant.empty() ? std::string_view("-") : tenant}};
  if (!request_id.empty()) fields.emplace_back("request_id", request_id);
  if (!error.empty()) fields.emplace_back("error", error);
  logger.info("request", fields);
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

AnimateService::AnimateService(ServiceBackend backend, ServiceOptions options,
                               const Authenticator& auth, ServerMetrics& metrics,
                               const runtime::Logger& logger)
    : backend_(backend), options_(options), auth_(auth), metrics_(metrics), logger_(logger) {}

template <typename Body>
grpc::Status AnimateService::handle(const char* method, grpc::ServerContext& context, Body&& body) {
  const auto started = Clock::now();
  std::string tenant;
  grpc::Status status;
  try {
    if (auto caller = auth_.tenant_of(context)) {
      tenant = std::move(*caller);
      status = body(tenant);
    } else {
      status = grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                            "missing or unknown API key (send 'authorization: Bearer <key>' or "
                            "'x-api-key: <key>')");
    }
  } catch (const FieldError& error) {
    status = to_status(context, error);
  } catch (const jobs::JobsError& error) {
    status = to_status(context, error);
  } catch (const std::exception& error) {
    logger_.error("unexpected error", {{"method", method}, {"error", error.what()}});
    status = grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
  }
  // A client that went away sees nothing; count what actually happened to it.
  const grpc::StatusCode code =
      status.ok() && context.IsCancelled() ? grpc::StatusCode::CANCELLED : status.error_code();
  const std::string code_text = code_name(code);
  metrics_.count_call(method, code_text);
  log_request(logger_, method, code_text, Clock::now() - started, tenant, request_id_of(context),
              status.error_message());
  return status;
}

jobs::JobRecord AnimateService::owned_job(const std::string& tenant, const std::string& job_id) {
  if (job_id.empty()) throw FieldError("job_id", "required");
  if (!jobs::is_valid_job_id(job_id)) {
    // Malformed is the caller's mistake, not a missing job (the id is echoed
    // only when short enough to be useful).
    throw FieldError("job_id", "malformed job id" +
                                   (job_id.size() <= 64 ? " '" + job_id + "'" : std::string()) +
                                   ": expected 28 lowercase hex digits");
  }
  auto job = backend_.queue.find(job_id);
  if (!job || job->tenant != tenant) {
    throw FieldError("job_id", "job '" + job_id + "' not found", grpc::StatusCode::NOT_FOUND);
  }
  return std::move(*job);
}

void AnimateService::fill_job(const jobs::JobRecord& job, v1::Job* out) {
  const std::uint64_t position =
      job.state == jobs::JobState::kQueued ? backend_.queue.queue_position(job.id) : 0;
  to_proto(job, position, out);
}

// ------------------------------------------------------------------ upload

grpc::Status AnimateService::UploadAsset(grpc::ServerContext* context,
                                         grpc::ServerReader<v1::UploadAssetRequest>* reader,
                                         v1::UploadAssetResponse* response) {
  return handle("UploadAsset", *context, [&](const std::string& tenant) {
    return upload(*context, tenant, *reader, *response);
  });
}

grpc::Status AnimateService::upload(grpc::ServerContext& context, const std::string& tenant,
                                    grpc::ServerReader<v1::UploadAssetRequest>& reader,
                                    v1::UploadAssetResponse& response) {
  v1::UploadAssetRequest message;
  if (!reader.Read(&message) || !message.has_header()) {
    throw FieldError("header", "the first message of an upload must carry the header");
  }
  const v1::AssetHeader header = message.header();
  const auto kind = from_proto(header.kind());
  if (!kind) {
    throw FieldError("header.kind",
                     "must be ASSET_KIND_REFERENCE_IMAGE, ASSET_KIND_POSE_VIDEO or "
                     "ASSET_KIND_REFERENCE_POSE_IMAGE");
  }
  if (header.size_bytes() == 0) throw FieldError("header.size_bytes", "must be positive");
  if (header.size_bytes() > options_.max_upload_bytes) {
    throw FieldError("header.size_bytes",
                     std::to_string(header.size_bytes()) + " bytes exceeds the limit " +
                         "max_upload_bytes = " + std::to_string(options_.max_upload_bytes));
  }
  const std::string declared_sha = lowercase(header.sha256());
  if (!jobs::is_valid_sha256_hex(declared_sha)) {
    throw FieldError("header.sha256", "must be 64 hex digits (SHA-256 of the whole content)");
  }

  // Identical content already stored: answer right after the header, but only
  // to a tenant that owns it; anyone else proves possession by sending the
  // bytes (knowing a hash must not grant access to an asset).
  const auto existing = backend_.assets.find(*kind, declared_sha);
  if (existing && backend_.ownership.owns(tenant, existing->asset_id)) {
    backend_.ownership.grant(tenant, existing->asset_id);
    to_proto(*existing, response.mutable_asset());
    response.set_deduplicated(true);
    return grpc::Status::OK;
  }

  const std::string label = kind_label(header.kind());
  std::string bytes;
  bytes.reserve(header.size_bytes());
  Sha256 hash;
  while (reader.Read(&message)) {
    if (message.has_header()) throw FieldError("header", "sent more than once");
    const std::string& chunk = message.chunk();
    metrics_.add_upload_bytes(label, chunk.size());
    if (bytes.size() + chunk.size() > header.size_bytes()) {
      throw FieldError("header.size_bytes", "more bytes received than the declared " +
                                                std::to_string(header.size_bytes()));
    }
    hash.update(chunk);
    bytes += chunk;
  }
  if (context.IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "upload cancelled by the client");
  }
  if (bytes.size() != header.size_bytes()) {
    throw FieldError("header.size_bytes", "declared " + std::to_string(header.size_bytes()) +
                                              " bytes, received " + std::to_string(bytes.size()));
  }
  const std::string actual_sha = hash.hex_digest();
  if (actual_sha != declared_sha) {
    throw FieldError("header.sha256",
                     "content hashes to " + actual_sha + ", header says " + declared_sha);
  }

  jobs::AssetInfo info;
  info.kind = *kind;
  info.asset_id = jobs::make_asset_id(*kind, actual_sha);
  info.size_bytes = bytes.size();
  info.sha256 = actual_sha;
  info.content_type = header.content_type();
  if (existing) {
    // Stored before by another tenant: same bytes, so already validated.
    info = *existing;
  } else {
    info.media = validate_upload(*kind, bytes, options_.media_limits, options_.min_image_side);
  }
  const jobs::PutAssetResult stored =
      existing ? jobs::PutAssetResult{info, true} : backend_.assets.put(info, bytes);
  backend_.ownership.grant(tenant, stored.asset.asset_id);
  to_proto(stored.asset, response.mutable_asset());
  response.set_deduplicated(stored.deduplicated);
  logger_.debug("asset stored", {{"asset_id", stored.asset.asset_id},
                                 {"bytes", bytes.size()},
                                 {"filename", header.filename()},
                                 {"tenant", tenant}});
  return grpc::Status::OK;
}

// ------------------------------------------------------------------ jobs

grpc::Status AnimateService::CreateJob(grpc::ServerContext* context,
                                       const v1::CreateJobRequest* request,
                                       v1::CreateJobResponse* response) {
  return handle("CreateJob", *context, [&](const std::string& tenant) {
    // A tenant may not put its jobs ahead of everyone's: its priority cap
    // is its keys-file line's, else --max-tenant-priority.
    JobLimits limits = options_.job_limits;
    limits.max_priority = std::min(
        limits.max_priority, auth_.max_priority_of(tenant).value_or(options_.max_tenant_priority));
    const jobs::NewJob job =
        to_new_job(*request, tenant, metadata_value(*context, "idempotency-key"), limits);
    for (const auto& [asset_id, field] : jobs::referenced_assets(job.params)) {
      if (!backend_.ownership.owns(tenant, asset_id)) {
        throw FieldError(field, "asset '" + asset_id + "' not found", grpc::StatusCode::NOT_FOUND);
      }
    }
    if (job.params.frame_count == 0) {
      if (const auto pose = backend_.assets.get(job.params.pose_video_asset_id)) {
        check_all_pose_frames(job.params, pose->media, options_.job_limits);
      }
    }
    const jobs::EnqueueResult result = backend_.queue.enqueue(job);
    if (!result.existing) metrics_.job_created();
    // Enqueueing extended the assets' lifetimes; ownership follows.
    for (const auto& [asset_id, field] : jobs::referenced_assets(job.params)) {
      backend_.ownership.grant(tenant, asset_id);
    }
    to_proto(result.job, result.queue_position, response->mutable_job());
    response->set_existing(result.existing);
    return grpc::Status::OK;
  });
}

grpc::Status AnimateService::GetJob(grpc::ServerContext* context, const v1::GetJobRequest* request,
                                    v1::GetJobResponse* response) {
  return handle("GetJob", *context, [&](const std::string& tenant) {
    fill_job(owned_job(tenant, request->job_id()), response->mutable_job());
    return grpc::Status::OK;
  });
}

grpc::Status AnimateService::ListJobs(grpc::ServerContext* context,
                                      const v1::ListJobsRequest* request,
                                      v1::ListJobsResponse* response) {
  return handle("ListJobs", *context, [&](const std::string& tenant) {
    std::optional<jobs::JobState> state;
    if (request->state() != v1::JOB_STATE_UNSPECIFIED) {
      state = from_proto(request->state());
      if (!state) {
        throw FieldError("state",
                         "unknown value " + std::to_string(static_cast<int>(request->state())));
      }
    }
    std::uint32_t page_size = request->page_size() == 0 ? kDefaultPageSize : request->page_size();
    if (page_size > kMaxPageSize) {
      throw FieldError("page_size", "must be at most " + std::to_string(kMaxPageSize) + ", got " +
                                        std::to_string(page_size));
    }
    jobs::JobPage page;
    try {
      page = backend_.queue.list(tenant, state, page_size, request->page_token());
    } catch (const jobs::JobsError& error) {
      if (error.code() != jobs::StatusCode::kInvalidArgument) throw;
      throw FieldError("page_token", error.what());
    }
    for (const jobs::JobRecord& job : page.jobs) fill_job(job, response->add_jobs());
    response->set_next_page_token(page.next_page_token);
    return grpc::Status::OK;
  });
}

grpc::Status AnimateService::CancelJob(grpc::ServerContext* context,
                                       const v1::CancelJobRequest* request,
                                       v1::CancelJobResponse* response) {
  return handle("CancelJob", *context, [&](const std::string& tenant) {
    const jobs::JobRecord before = owned_job(tenant, request->job_id());
    const jobs::JobRecord after = backend_.queue.cancel(before.id);
    // A queued job is cancelled here, by this process (running ones end in
    // the worker, which counts them).
    if (before.state == jobs::JobState::kQueued && after.state == jobs::JobState::kCancelled) {
      metrics_.job_finished("cancelled");
    }
    fill_job(after, response->mutable_job());
    return grpc::Status::OK;
  });
}

grpc::Status AnimateService::DeleteJob(grpc::ServerContext* context,
                                       const v1::DeleteJobRequest* request,
                                       v1::DeleteJobResponse* /*response*/) {
  return handle("DeleteJob", *context, [&](const std::string& tenant) {
    const jobs::JobRecord job = owned_job(tenant, request->job_id());
    backend_.queue.remove(job.id);
    return grpc::Status::OK;
  });
}

// ------------------------------------------------------------------ watch

grpc::Status AnimateService::WatchJob(grpc::ServerContext* context,
                                      const v1::WatchJobRequest* request,
                                      grpc::ServerWriter<v1::WatchJobResponse>* writer) {
  return handle("WatchJob", *context, [&](const std::string& tenant) {
    return watch(*context, tenant, *request, *writer);
  });
}

grpc::Status AnimateService::watch(grpc::ServerContext& context, const std::string& tenant,
                                   const v1::WatchJobRequest& request,
                                   grpc::ServerWriter<v1::WatchJobResponse>& writer) {
  const jobs::JobRecord job = owned_job(tenant, request.job_id());
  // Chunks of an earlier attempt were discarded when the job was retried:
  // their events are still replayed (sequence numbers stay dense) but
  // without bytes.
  std::uint32_t current_attempt = job.attempt;
  std::uint64_t next = request.from_sequence();
  std::uint64_t last_position = 0;
  auto next_position_check = Clock::now();
  bool first_read = true;
  const std::string result_blob = jobs::result_blob_id(job.id);

  while (true) {
    if (shutting_down_) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "server is shutting down; reconnect with from_sequence = " +
                              std::to_string(std::max<std::uint64_t>(next, 1)));
    }
    if (context.IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "client left");

    jobs::EventBatch batch;
    try {
      // The first read does not wait, so a queued job's position follows the
      // replay at once.
      batch = backend_.events.read(job.id, next, kWatchBatch,
                                   first_read ? std::chrono::milliseconds(0) : options_.watch_poll);
      first_read = false;
    } catch (const jobs::JobsError& error) {
      if (error.code() == jobs::StatusCode::kOutOfRange) {
        return field_status(context, grpc::StatusCode::OUT_OF_RANGE, "from_sequence",
                            std::to_string(next) + " is older than the retained events (oldest: " +
                                std::to_string(backend_.events.first_retained(job.id)) + ")");
      }
      throw;
    }
    for (const jobs::JobEvent& event : batch.events) {
      next = event.sequence + 1;
      if (event.type == jobs::EventType::kState) {
        current_attempt = std::max(current_attempt, event.attempt);
        if (event.state != jobs::JobState::kQueued) last_position = 0;
      }
      if (event.type == jobs::EventType::kVideoChunk && !request.include_video()) continue;
      v1::WatchJobResponse out;
      to_proto(event, &out);
      if (event.type == jobs::EventType::kVideoChunk && event.attempt >= current_attempt) {
        try {
          out.mutable_video_chunk()->set_data(
              backend_.blobs.read(result_blob, event.chunk_offset, event.chunk_size));
        } catch (const jobs::JobsError& error) {
          // The attempt was superseded or the result is gone: no bytes to send.
          if (error.code() != jobs::StatusCode::kNotFound &&
              error.code() != jobs::StatusCode::kOutOfRange) {
            throw;
          }
        }
      }
      if (!writer.Write(out)) return grpc::Status(grpc::StatusCode::CANCELLED, "client left");
    }
    if (batch.finished) return grpc::Status::OK;
    if (batch.events.empty()) {
      // Watching from past the terminal event of a finished job: nothing
      // will ever follow, so end the stream instead of polling forever.
      const std::optional<jobs::JobRecord> now = backend_.queue.find(job.id);
      if (!now) return grpc::Status(grpc::StatusCode::NOT_FOUND, "job was deleted");
      if (jobs::is_terminal(now->state) && next > now->last_sequence) return grpc::Status::OK;
    }

    if (Clock::now() >= next_position_check) {
      next_position_check = Clock::now() + options_.position_interval;
      const std::uint64_t position = backend_.queue.queue_position(job.id);
      if (position != 0 && position != last_position) {
        v1::WatchJobResponse out;
        out.set_sequence(0);
        set_timestamp(std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count(),
                      out.mutable_time());
        out.mutable_queue_position()->set_position(position);
        out.mutable_queue_position()->set_queue_length(backend_.queue.queue_length());
        if (!writer.Write(out)) return grpc::Status(grpc::StatusCode::CANCELLED, "client left");
      }
      last_position = position;
    }
  }
}

// ------------------------------------------------------------------ result

grpc::Status AnimateService::GetResult(grpc::ServerContext* context,
                                       const v1::GetResultRequest* request,
                                       grpc::ServerWriter<v1::GetResultResponse>* writer) {
  return handle("GetResult", *context, [&](const std::string& tenant) {
    const jobs::JobRecord job = owned_job(tenant, request->job_id());
    if (job.state != jobs::JobState::kSucceeded || !job.result) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "job '" + job.id + "' is " + std::string(jobs::to_string(job.state)) +
                              "; only succeeded jobs have a result");
    }
    const jobs::ResultInfo& info = *job.result;
    std::uint64_t offset = request->offset();
    if (offset > info.size_bytes) {
      throw FieldError("offset",
                       std::to_string(offset) + " is past the end of the result (" +
                           std::to_string(info.size_bytes) + " bytes)",
                       grpc::StatusCode::OUT_OF_RANGE);
    }
    const std::string blob = jobs::result_blob_id(job.id);
    bool first = true;
    do {
      v1::GetResultResponse out;
      if (first) to_proto(info, out.mutable_info());
      first = false;
      std::string data;
      try {
        data = backend_.blobs.read(blob, offset, options_.result_message_bytes);
      } catch (const jobs::JobsError& error) {
        if (error.code() != jobs::StatusCode::kNotFound) throw;
        return grpc::Status(grpc::StatusCode::NOT_FOUND,
                            "the result of job '" + job.id + "' has expired");
      }
      out.set_offset(offset);
      offset += data.size();
      const bool stalled = data.empty() && offset < info.size_bytes;
      out.set_data(std::move(data));
      if (!writer->Write(out)) return grpc::Status(grpc::StatusCode::CANCELLED, "client left");
      if (stalled) {
        return grpc::Status(grpc::StatusCode::DATA_LOSS,
                            "the stored result is shorter than its recorded size");
      }
    } while (offset < info.size_bytes);
    return grpc::Status::OK;
  });
}

}  // namespace animate::server
