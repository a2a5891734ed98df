// Conversions between the jobs library's plain structs and animate.v1
// messages. Pure functions: no I/O.
#pragma once

#include <cstdint>
#include <optional>

#include "animate/jobs/asset_store.h"
#include "animate/jobs/job_event.h"
#include "animate/jobs/job_record.h"
#include "animate/v1/animate_service.pb.h"

namespace animate::server {

namespace v1 = ::animate::v1;

void set_timestamp(std::int64_t unix_ms, google::protobuf::Timestamp* out);

v1::JobState to_proto(jobs::JobState state);
// nullopt for JOB_STATE_UNSPECIFIED and unknown values.
std::optional<jobs::JobState> from_proto(v1::JobState state);
v1::Stage to_proto(jobs::Stage stage);
v1::AssetKind to_proto(jobs::AssetKind kind);
std::optional<jobs::AssetKind> from_proto(v1::AssetKind kind);

void to_proto(const jobs::ErrorInfo& error, v1::Status* out);
void to_proto(const jobs::Progress& progress, v1::Progress* out);
void to_proto(const jobs::ResultInfo& result, v1::ResultInfo* out);
void to_proto(const jobs::JobParams& params, v1::JobParams* out);
void to_proto(const jobs::MediaInfo& media, v1::MediaInfo* out);
void to_proto(const jobs::AssetInfo& asset, v1::Asset* out);
// queue_position: 1 = next, 0 = not queued.
void to_proto(const jobs::JobRecord& job, std::uint64_t queue_position, v1::Job* out);
// Everything but the video bytes (the caller reads them from the result blob).
void to_proto(const jobs::JobEvent& event, v1::WatchJobResponse* out);

}  // namespace animate::server
