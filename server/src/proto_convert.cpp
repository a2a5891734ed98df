#include "proto_convert.h"

#include <cmath>

namespace animate::server {
namespace {

void set_duration_ms(std::int64_t ms, google::protobuf::Duration* out) {
  out->set_seconds(ms / 1000);
  out->set_nanos(static_cast<std::int32_t>((ms % 1000) * 1000000));
}

}  // namespace

void set_timestamp(std::int64_t unix_ms, google::protobuf::Timestamp* out) {
  out->set_seconds(unix_ms / 1000);
  out->set_nanos(static_cast<std::int32_t>((unix_ms % 1000) * 1000000));
}

v1::JobState to_proto(jobs::JobState state) {
  switch (state) {
    case jobs::JobState::kQueued: return v1::JOB_STATE_QUEUED;
    case jobs::JobState::kRunning: return v1::JOB_STATE_RUNNING;
    case jobs::JobState::kSucceeded: return v1::JOB_STATE_SUCCEEDED;
    case jobs::JobState::kFailed: return v1::JOB_STATE_FAILED;
    case jobs::JobState::kCancelled: return v1::JOB_STATE_CANCELLED;
  }
  return v1::JOB_STATE_UNSPECIFIED;
}

std::optional<jobs::JobState> from_proto(v1::JobState state) {
  switch (state) {
    case v1::JOB_STATE_QUEUED: return jobs::JobState::kQueued;
    case v1::JOB_STATE_RUNNING: return jobs::JobState::kRunning;
    case v1::JOB_STATE_SUCCEEDED: return jobs::JobState::kSucceeded;
    case v1::JOB_STATE_FAILED: return jobs::JobState::kFailed;
    case v1::JOB_STATE_CANCELLED: return jobs::JobState::kCancelled;
    default: return std::nullopt;
  }
}

v1::Stage to_proto(jobs::Stage stage) {
  switch (stage) {
    case jobs::Stage::kNone: return v1::STAGE_UNSPECIFIED;
    case jobs::Stage::kPreparingInputs: return v1::STAGE_PREPARING_INPUTS;
    case jobs::Stage::kEncodingConditions: return v1::STAGE_ENCODING_CONDITIONS;
    case jobs::Stage::kDenoising: return v1::STAGE_DENOISING;
    case jobs::Stage::kDecoding: return v1::STAGE_DECODING;
    case jobs::Stage::kEncodingVideo: return v1::STAGE_ENCODING_VIDEO;
    case jobs::Stage::kFinalizing: return v1::STAGE_FINALIZING;
  }
  return v1::STAGE_UNSPECIFIED;
}

v1::AssetKind to_proto(jobs::AssetKind kind) {
  switch (kind) {
    case jobs::AssetKind::kReferenceImage: return v1::ASSET_KIND_REFERENCE_IMAGE;
    case jobs::AssetKind::kPoseVideo: return v1::ASSET_KIND_POSE_VIDEO;
    case jobs::AssetKind::kReferencePoseImage: return v1::ASSET_KIND_REFERENCE_POSE_IMAGE;
  }
  return v1::ASSET_KIND_UNSPECIFIED;
}

std::optional<jobs::AssetKind> from_proto(v1::AssetKind kind) {
  switch (kind) {
    case v1::ASSET_KIND_REFERENCE_IMAGE: return jobs::AssetKind::kReferenceImage;
    case v1::ASSET_KIND_POSE_VIDEO: return jobs::AssetKind::kPoseVideo;
    case v1::ASSET_KIND_REFERENCE_POSE_IMAGE: return jobs::AssetKind::kReferencePoseImage;
    default: return std::nullopt;
  }
}

void to_proto(const jobs::ErrorInfo& error, v1::Status* out) {
  out->set_code(static_cast<std::int32_t>(error.code));
  out->set_message(error.message);
  out->set_field(error.field);
}

void to_proto(const jobs::Progress& progress, v1::Progress* out) {
  out->set_stage(to_proto(progress.stage));
  out->set_step(progress.step);
  out->set_total_steps(progress.total_steps);
  out->set_window(progress.window);
  out->set_total_windows(progress.total_windows);
  out->set_fraction(static_cast<float>(progress.fraction));
}

void to_proto(const jobs::ResultInfo& result, v1::ResultInfo* out) {
  out->set_size_bytes(result.size_bytes);
  out->set_sha256(result.sha256);
  out->set_content_type(result.content_type);
  out->set_width(result.width);
  out->set_height(result.height);
  out->set_frame_count(result.frame_count);
  out->set_fps(result.fps);
  set_duration_ms(result.duration_ms, out->mutable_duration());
}

void to_proto(const jobs::JobParams& params, v1::JobParams* out) {
  out->set_reference_image_asset_id(params.reference_image_asset_id);
  out->set_pose_video_asset_id(params.pose_video_asset_id);
  out->set_reference_pose_asset_id(params.reference_pose_asset_id);
  // The effective size is reported as width/height; the preset was only a shorthand.
  out->set_size_preset(v1::SIZE_PRESET_UNSPECIFIED);
  out->set_width(params.width);
  out->set_height(params.height);
  switch (params.fit_mode) {
    case jobs::FitMode::kResize: out->set_fit_mode(v1::FIT_MODE_RESIZE); break;
    case jobs::FitMode::kCrop: out->set_fit_mode(v1::FIT_MODE_CROP); break;
    case jobs::FitMode::kPad: out->set_fit_mode(v1::FIT_MODE_PAD); break;
  }
  out->set_frame_count(params.frame_count);
  out->set_steps(params.steps);
  out->set_shift(static_cast<float>(params.shift));
  out->set_cfg_scale(static_cast<float>(params.cfg_scale));
  out->set_seed(params.seed);
  out->set_sampler(params.sampler == jobs::Sampler::kUniPC ? v1::SAMPLER_UNIPC : v1::SAMPLER_EULER);
  out->set_teacache_threshold(static_cast<float>(params.teacache_threshold));
  out->set_pose_strength(static_cast<float>(params.pose_strength));
  out->set_prompt(params.prompt);
  out->set_negative_prompt(params.negative_prompt);
  out->set_fps(params.fps);
  out->set_crf(params.crf);
}

void to_proto(const jobs::MediaInfo& media, v1::MediaInfo* out) {
  out->set_format(media.format);
  out->set_codec(media.codec);
  out->set_width(media.width);
  out->set_height(media.height);
  out->set_frame_count(media.frame_count);
  out->set_fps(media.fps);
  set_duration_ms(media.duration_ms, out->mutable_duration());
}

void to_proto(const jobs::AssetInfo& asset, v1::Asset* out) {
  out->set_asset_id(asset.asset_id);
  out->set_kind(to_proto(asset.kind));
  out->set_size_bytes(asset.size_bytes);
  out->set_sha256(asset.sha256);
  to_proto(asset.media, out->mutable_media());
  if (asset.create_ms > 0) set_timestamp(asset.create_ms, out->mutable_create_time());
  if (asset.expire_ms > 0) set_timestamp(asset.expire_ms, out->mutable_expire_time());
}

void to_proto(const jobs::JobRecord& job, std::uint64_t queue_position, v1::Job* out) {
  out->set_job_id(job.id);
  out->set_state(to_proto(job.state));
  to_proto(job.params, out->mutable_params());
  out->set_priority(job.priority);
  out->set_queue_position(job.state == jobs::JobState::kQueued ? queue_position : 0);
  if (job.state == jobs::JobState::kRunning) to_proto(job.progress, out->mutable_progress());
  out->set_attempt(job.attempt);
  out->set_max_attempts(job.max_attempts);
  out->set_cancel_requested(job.cancel_requested);
  if (job.error) to_proto(*job.error, out->mutable_error());
  if (job.result) to_proto(*job.result, out->mutable_result());
  out->set_last_sequence(job.last_sequence);
  out->set_idempotency_key(job.idempotency_key);
  if (job.create_ms > 0) set_timestamp(job.create_ms, out->mutable_create_time());
  if (job.start_ms > 0) set_timestamp(job.start_ms, out->mutable_start_time());
  if (job.end_ms > 0) set_timestamp(job.end_ms, out->mutable_end_time());
  if (job.expire_ms > 0) set_timestamp(job.expire_ms, out->mutable_expire_time());
  if (job.queue_deadline_ms > 0)
    set_timestamp(job.queue_deadline_ms, out->mutable_queue_deadline());
  if (job.run_deadline_ms > 0) set_timestamp(job.run_deadline_ms, out->mutable_run_deadline());
}

void to_proto(const jobs::JobEvent& event, v1::WatchJobResponse* out) {
  out->set_sequence(event.sequence);
  if (event.time_ms > 0) set_timestamp(event.time_ms, out->mutable_time());
  switch (event.type) {
    case jobs::EventType::kState: {
      auto* change = out->mutable_state_change();
      change->set_state(to_proto(event.state));
      change->set_attempt(event.attempt);
      change->set_reason(event.reason);
      if (event.error) to_proto(*event.error, change->mutable_error());
      if (event.result) to_proto(*event.result, change->mutable_result());
      break;
    }
    case jobs::EventType::kProgress: to_proto(event.progress, out->mutable_progress()); break;
    case jobs::EventType::kVideoChunk: {
      auto* chunk = out->mutable_video_chunk();
      chunk->set_offset(event.chunk_offset);
      chunk->set_init_segment(event.init_segment);
      chunk->set_attempt(event.attempt);
      break;
    }
  }
}

}  // namespace animate::server
