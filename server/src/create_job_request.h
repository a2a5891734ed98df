// CreateJobRequest -> jobs::NewJob: every parameter checked against its
// limit (FieldError naming the field and the limit), defaults of the
// UniAnimate 480p example filled in, the seed resolved, so the stored job
// holds the effective parameters the worker runs and the client sees.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "animate/jobs/asset_store.h"
#include "animate/jobs/job_queue.h"
#include "animate/v1/animate_service.pb.h"

namespace animate::server {

// Operator caps on what one job may cost (--max-output-frames, --max-steps,
// --max-run-seconds): a GPU is pinned for the whole run.
struct JobLimits {
  std::uint32_t max_output_frames = 1001;
  std::uint32_t max_steps = 100;
  std::chrono::seconds max_run_time{6 * 3600};
  int min_priority = -100;
  int max_priority = 100;
};

// Limits of single parameters (documented in the messages they produce).
inline constexpr std::uint32_t kMinSide = 64;
inline constexpr std::uint32_t kMaxSide = 2048;
inline constexpr std::uint32_t kMaxSteps = 1000;
inline constexpr double kMaxShift = 100.0;
inline constexpr double kMaxCfgScale = 30.0;
inline constexpr double kMaxPoseStrength = 10.0;
inline constexpr double kMaxFps = 120.0;
inline constexpr std::uint32_t kMaxCrf = 51;
inline constexpr std::size_t kMaxPromptBytes = 4096;
inline constexpr std::size_t kMaxIdempotencyKeyBytes = 256;
inline constexpr std::int64_t kMaxJobTimeSeconds = 7 * 24 * 3600;

// Wan2.1's standard negative prompt as the UniAnimate examples shorten it
// (spec 2.4); the same text as model/pipeline's default, kept here because
// the server must not link the model.
extern const char* const kDefaultNegativePrompt;
extern const char* const kDefaultPrompt;

// The frames a job with frame_count 0 ("all pose frames") will produce from a
// pose video described by `pose`: its frame count, or its duration at the
// job's fps when it resamples. Throws FieldError (params.frame_count) when
// that exceeds limits.max_output_frames.
void check_all_pose_frames(const jobs::JobParams& params, const jobs::MediaInfo& pose,
                           const JobLimits& limits);

// `metadata_key` is the idempotency-key metadata entry (the field wins).
// Throws FieldError.
jobs::NewJob to_new_job(const v1::CreateJobRequest& request, const std::string& tenant,
                        const std::string& metadata_key, const JobLimits& limits);

}  // namespace animate::server
