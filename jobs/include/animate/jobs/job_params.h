// The effective parameters of a job (defaults filled in and the seed resolved
// by the server before enqueueing), as plain values. Mirrors
// animate.v1.JobParams; the server converts, the worker maps them onto the
// pipeline. Stored field by field in the job hash ("p:<name>") so redis-cli
// shows them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace animate::jobs {

enum class FitMode { kResize, kCrop, kPad };
enum class Sampler { kEuler, kUniPC };

struct JobParams {
  std::string reference_image_asset_id;
  std::string pose_video_asset_id;
  std::string reference_pose_asset_id;  // empty = none
  std::uint32_t width = 480;
  std::uint32_t height = 832;
  FitMode fit_mode = FitMode::kResize;
  std::uint32_t frame_count = 81;  // 0 = all pose frames (rounded to 4k+1)
  std::uint32_t steps = 50;
  double shift = 5.0;
  double cfg_scale = 1.5;
  std::int64_t seed = 0;
  Sampler sampler = Sampler::kEuler;
  double teacache_threshold = 0.0;  // 0 = off
  double pose_strength = 1.0;
  std::string prompt = "a person is dancing";
  std::string negative_prompt;
  double fps = 0.0;  // 0 = the pose video's rate
  std::uint32_t crf = 25;

  bool operator==(const JobParams& other) const;
  bool operator!=(const JobParams& other) const { return !(*this == other); }
};

using Fields = std::vector<std::pair<std::string, std::string>>;

// "p:<name>" -> value, in a fixed order (also the idempotency fingerprint).
Fields encode_job_params(const JobParams& params);
// Inverse of encode_job_params over a job hash's fields; fields it does not
// know are ignored, missing ones keep their defaults.
JobParams decode_job_params(const Fields& fields);

// The asset ids a job refers to, paired with the request field naming each.
std::vector<std::pair<std::string, std::string>> referenced_assets(const JobParams& params);

}  // namespace animate::jobs
