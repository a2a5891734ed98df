#include "create_job_request.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

#include "animate/jobs/asset_store.h"
#include "grpc_errors.h"
#include "proto_convert.h"
#include "sha256.h"

namespace animate::server {

const char* const kDefaultPrompt = "a person is dancing";
const char* const kDefaultNegativePrompt =
    "细节模糊不清，字幕，作品，画作，画面，静止，最差质量，低质量，JPEG压缩残留，丑陋的，残缺的，"
    "多余的手指，画得不好的手部，画得不好的脸部，畸形的，毁容的，形态畸形的肢体，手指融合，杂乱的背"
    "景，";

namespace {

std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

void check_asset_id(const std::string& id, jobs::AssetKind kind, const std::string& field,
                    bool required) {
  if (id.empty()) {
    if (required) throw FieldError(field, "required (an asset id returned by UploadAsset)");
    return;
  }
  if (!jobs::is_valid_asset_id(id)) throw FieldError(field, "malformed asset id '" + id + "'");
  const std::string tag(jobs::asset_kind_tag(kind));
  if (id.rfind(tag + "_", 0) != 0) {
    throw FieldError(field,
                     "asset '" + id + "' is not of kind " + v1::AssetKind_Name(to_proto(kind)));
  }
}

double checked_range(const char* field, double value, double low, double high, bool low_open) {
  if (!std::isfinite(value) || value > high || (low_open ? value <= low : value < low)) {
    throw FieldError(field, "must be in " + std::string(low_open ? "(" : "[") + number(low) + ", " +
                                number(high) + "], got " + number(value));
  }
  return value;
}

void resolve_size(const v1::JobParams& in, jobs::JobParams& out) {
  const bool custom = in.width() != 0 || in.height() != 0;
  if (custom) {
    if (in.size_preset() != v1::SIZE_PRESET_UNSPECIFIED) {
      throw FieldError("params.width", "width/height need size_preset = SIZE_PRESET_UNSPECIFIED");
    }
    for (const auto& [field, side] :
         {std::pair{"params.width", in.width()}, std::pair{"params.height", in.height()}}) {
      if (side == 0) throw FieldError(field, "set both width and height, or neither");
      if (side < kMinSide || side > kMaxSide || side % 16 != 0) {
        throw FieldError(field, "must be a multiple of 16 in [" + std::to_string(kMinSide) + ", " +
                                    std::to_string(kMaxSide) + "], got " + std::to_string(side));
      }
    }
    out.width = in.width();
    out.height = in.height();
    return;
  }
  switch (in.size_preset()) {
    case v1::SIZE_PRESET_UNSPECIFIED:
    case v1::SIZE_PRESET_480P: out.width = 480, out.height = 832; break;
    case v1::SIZE_PRESET_720P: out.width = 720, out.height = 1280; break;
    case v1::SIZE_PRESET_480P_LANDSCAPE: out.width = 832, out.height = 480; break;
    case v1::SIZE_PRESET_720P_LANDSCAPE: out.width = 1280, out.height = 720; break;
    default:
      throw FieldError("params.size_preset",
                       "unknown value " + std::to_string(static_cast<int>(in.size_preset())));
  }
}

// Without a seed the job gets a random one, except under an idempotency key:
// a resubmission must produce the same parameters, so the seed is derived
// from the tenant and the key.
std::int64_t resolve_seed(const v1::JobParams& in, const std::string& tenant,
                          const std::string& idempotency_key) {
  if (in.has_seed()) {
    if (in.seed() < 0) {
      throw FieldError("params.seed", "must be >= 0, got " + std::to_string(in.seed()));
    }
    return in.seed();
  }
  constexpr std::int64_t kSeedRange = std::int64_t{1} << 31;
  if (!idempotency_key.empty()) {
    const std::string digest = sha256_hex(tenant + '\n' + idempotency_key);
    return static_cast<std::int64_t>(std::stoull(digest.substr(0, 15), nullptr, 16) % kSeedRange);
  }
  std::random_device random;
  return static_cast<std::int64_t>(((std::uint64_t{random()} << 32) ^ random()) %
                                   static_cast<std::uint64_t>(kSeedRange));
}

std::chrono::milliseconds job_time(const char* field, bool present,
                                   const google::protobuf::Duration& duration) {
  if (!present) return std::chrono::milliseconds(0);
  if (duration.seconds() < 0 || duration.nanos() < 0 || duration.nanos() > 999999999 ||
      (duration.seconds() == 0 && duration.nanos() == 0)) {
    throw FieldError(field, "must be a positive duration");
  }
  if (duration.seconds() > kMaxJobTimeSeconds) {
    throw FieldError(field, "must be at most " + std::to_string(kMaxJobTimeSeconds) + " s, got " +
                                std::to_string(duration.seconds()) + " s");
  }
  return std::chrono::milliseconds(duration.seconds() * 1000 +
                                   (duration.nanos() + 999999) / 1000000);
}

}  // namespace

jobs::NewJob to_new_job(const v1::CreateJobRequest& request, const std::string& tenant,
                        const std::string& metadata_key, const JobLimits& limits) {
  const v1::JobParams& in = request.params();
  jobs::NewJob job;
  job.tenant = tenant;
  jobs::JobParams& out = job.params;

  job.idempotency_key =
      request.idempotency_key().empty() ? metadata_key : request.idempotency_key();
  if (job.idempotency_key.size() > kMaxIdempotencyKeyBytes) {
    throw FieldError("idempotency_key",
                     "longer than " + std::to_string(kMaxIdempotencyKeyBytes) + " bytes");
  }
  for (const unsigned char c : job.idempotency_key) {
    if (c < 0x21 || c > 0x7e) {
      throw FieldError("idempotency_key", "only printable ASCII without spaces is allowed");
    }
  }

  check_asset_id(in.reference_image_asset_id(), jobs::AssetKind::kReferenceImage,
                 "params.reference_image_asset_id", true);
  check_asset_id(in.pose_video_asset_id(), jobs::AssetKind::kPoseVideo,
                 "params.pose_video_asset_id", true);
  check_asset_id(in.reference_pose_asset_id(), jobs::AssetKind::kReferencePoseImage,
                 "params.reference_pose_asset_id", false);
  out.reference_image_asset_id = in.reference_image_asset_id();
  out.pose_video_asset_id = in.pose_video_asset_id();
  out.reference_pose_asset_id = in.reference_pose_asset_id();

  resolve_size(in, out);

  switch (in.fit_mode()) {
    case v1::FIT_MODE_UNSPECIFIED:
    case v1::FIT_MODE_RESIZE: out.fit_mode = jobs::FitMode::kResize; break;
    case v1::FIT_MODE_CROP: out.fit_mode = jobs::FitMode::kCrop; break;
    case v1::FIT_MODE_PAD: out.fit_mode = jobs::FitMode::kPad; break;
    default:
      throw FieldError("params.fit_mode",
                       "unknown value " + std::to_string(static_cast<int>(in.fit_mode())));
  }

  if (in.frame_count() != 0 &&
      (in.frame_count() % 4 != 1 || in.frame_count() > limits.max_output_frames)) {
    throw FieldError("params.frame_count", "must be 0 (all pose frames) or 4k+1 <= " +
                                               std::to_string(limits.max_output_frames) + ", got " +
                                               std::to_string(in.frame_count()));
  }
  out.frame_count = in.frame_count();

  out.steps = in.has_steps() ? in.steps() : 50;
  const std::uint32_t max_steps = std::min(limits.max_steps, kMaxSteps);
  if (out.steps < 1 || out.steps > max_steps) {
    throw FieldError("params.steps", "must be in [1, " + std::to_string(max_steps) +
                                         "] (--max-steps), got " + std::to_string(out.steps));
  }
  out.shift =
      in.has_shift() ? checked_range("params.shift", in.shift(), 0.0, kMaxShift, true) : 5.0;
  out.cfg_scale = in.has_cfg_scale()
                      ? checked_range("params.cfg_scale", in.cfg_scale(), 0.0, kMaxCfgScale, false)
                      : 1.5;
  out.seed = resolve_seed(in, tenant, job.idempotency_key);

  switch (in.sampler()) {
    case v1::SAMPLER_UNSPECIFIED:
    case v1::SAMPLER_EULER: out.sampler = jobs::Sampler::kEuler; break;
    case v1::SAMPLER_UNIPC: out.sampler = jobs::Sampler::kUniPC; break;
    default:
      throw FieldError("params.sampler",
                       "unknown value " + std::to_string(static_cast<int>(in.sampler())));
  }
  out.teacache_threshold =
      in.has_teacache_threshold()
          ? checked_range("params.teacache_threshold", in.teacache_threshold(), 0.0, 1.0, false)
          : 0.0;
  out.pose_strength =
      in.has_pose_strength()
          ? checked_range("params.pose_strength", in.pose_strength(), 0.0, kMaxPoseStrength, false)
          : 1.0;

  out.prompt = in.has_prompt() ? in.prompt() : kDefaultPrompt;
  out.negative_prompt = in.has_negative_prompt() ? in.negative_prompt() : kDefaultNegativePrompt;
  for (const auto& [field, text] : {std::pair{"params.prompt", &out.prompt},
                                    std::pair{"params.negative_prompt", &out.negative_prompt}}) {
    if (text->size() > kMaxPromptBytes) {
      throw FieldError(field, "longer than " + std::to_string(kMaxPromptBytes) + " bytes (" +
                                  std::to_string(text->size()) + ")");
    }
  }

  out.fps = 0.0;
  if (in.has_fps() && in.fps() != 0.0) {
    out.fps = checked_range("params.fps", in.fps(), 0.0, kMaxFps, true);
  }
  out.crf = in.has_crf() ? in.crf() : 25;
  if (out.crf > kMaxCrf) {
    throw FieldError("params.crf", "must be in [0, " + std::to_string(kMaxCrf) + "], got " +
                                       std::to_string(out.crf));
  }

  if (request.priority() < limits.min_priority || request.priority() > limits.max_priority) {
    throw FieldError("priority", "must be in [" + std::to_string(limits.min_priority) + ", " +
                                     std::to_string(limits.max_priority) + "], got " +
                                     std::to_string(request.priority()));
  }
  job.priority = request.priority();
  job.max_queue_time =
      job_time("max_queue_time", request.has_max_queue_time(), request.max_queue_time());
  job.max_run_time = job_time("max_run_time", request.has_max_run_time(), request.max_run_time());
  const auto max_run = std::chrono::duration_cast<std::chrono::milliseconds>(limits.max_run_time);
  if (job.max_run_time > max_run) {
    throw FieldError("max_run_time", "must be at most " +
                                         std::to_string(limits.max_run_time.count()) +
                                         " s (--max-run-seconds), got " +
                                         std::to_string(request.max_run_time().seconds()) + " s");
  }
  // Every job has a bound: without one it gets the operator's cap.
  if (job.max_run_time.count() == 0) job.max_run_time = max_run;
  return job;
}

void check_all_pose_frames(const jobs::JobParams& params, const jobs::MediaInfo& pose,
                           const JobLimits& limits) {
  if (params.frame_count != 0) return;
  std::uint64_t frames = pose.frame_count;
  if (params.fps > 0.0 && pose.duration_ms > 0) {
    frames = static_cast<std::uint64_t>(
        std::ceil(static_cast<double>(pose.duration_ms) / 1000.0 * params.fps));
  }
  if (frames > limits.max_output_frames) {
    throw FieldError(
        "params.frame_count",
        "0 means all pose frames: " + std::to_string(frames) +
            " here, more than --max-output-frames " + std::to_string(limits.max_output_frames) +
            "; ask for frame_count = 4k+1 <= " + std::to_string(limits.max_output_frames));
  }
}

}  // namespace animate::server
