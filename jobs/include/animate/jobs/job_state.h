// Life cycle and stages of a job, with the names stored in Redis.
#pragma once

#include <optional>
#include <string_view>

namespace animate::jobs {

// QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED; RUNNING -> QUEUED when
// a lost worker's job is retried (or a draining worker hands it back).
enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kCancelled };

// What a running job is doing (mirrors animate.v1.Stage).
enum class Stage {
  kNone,
  kPreparingInputs,
  kEncodingConditions,
  kDenoising,
  kDecoding,
  kEncodingVideo,
  kFinalizing,
};

bool is_terminal(JobState state);

// "queued", "running", "succeeded", "failed", "cancelled".
std::string_view to_string(JobState state);
std::optional<JobState> parse_job_state(std::string_view name);

// "", "preparing_inputs", "encoding_conditions", "denoising", ...
std::string_view to_string(Stage stage);
std::optional<Stage> parse_stage(std::string_view name);

}  // namespace animate::jobs
