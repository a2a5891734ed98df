#pragma once
// What a running job reports, in the order it happens:
//   kEncodingText, kEncodingImage, kEncodingPose (one event each, when the stage starts),
//   kDenoising: one event after every window of every step (step = 1..N, window = 1..M),
//   kDecoding: one event when decoding starts (frames_decoded = 0), then one per
//              handed-out chunk of frames,
//   kDone: once, after the last frame.
#include <cstdint>
#include <functional>

namespace animate::pipeline {

enum class Stage {
  kEncodingText,   // umT5 of both prompts (cached per prompt)
  kEncodingImage,  // CLIP tokens and VAE latent of the reference image
  kEncodingPose,   // reference-pose feature and driving-pose tokens
  kDenoising,
  kDecoding,
  kDone,
};

// "encoding_text", "encoding_image", ... (stable names for logs and events).
const char* stage_name(Stage stage);

struct ProgressEvent {
  Stage stage = Stage::kEncodingText;
  std::int64_t step = 0;  // steps completed (kDenoising), of total_steps
  std::int64_t total_steps = 0;
  std::int64_t window = 0;  // windows of the current step completed, of total_windows
  std::int64_t total_windows = 0;
  std::int64_t frames_decoded = 0;  // of total_frames
  std::int64_t total_frames = 0;
  double elapsed_seconds = 0.0;  // since the job started
};

// Called on the thread running the job; it may set the job's cancellation
// token (honoured right after the callback returns). Exceptions propagate
// out of AnimationPipeline::run.
using ProgressCallback = std::function<void(const ProgressEvent&)>;

}  // namespace animate::pipeline
