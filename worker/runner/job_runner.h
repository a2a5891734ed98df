#pragma once
// Runs one job on the resident pipeline: decoded inputs + settings in,
// fragmented MP4 out. Frames are H.264-encoded as the VAE decode hands them
// over, and every MP4 chunk (init segment, one fragment per GOP, trailer)
// goes to the chunk callback as soon as the muxer releases it, so a caller
// can stream the video while the job is still decoding. Shared by
// animate-render (chunks -> file) and animate-worker (chunks -> Redis).
#include <cstdint>
#include <functional>

#include "media/mp4_chunk.h"
#include "model/pipeline/animation_pipeline.h"
#include "model/pipeline/cancellation.h"
#include "worker/runner/job_inputs.h"
#include "worker/runner/render_settings.h"
#include "worker/runner/run_stage.h"

namespace animate::worker {

struct RunProgress {
  RunStage stage = RunStage::kPreparingInputs;
  std::int64_t step = 0;  // denoise steps completed, of total_steps
  std::int64_t total_steps = 0;
  std::int64_t window = 0;  // windows of the current step completed, of total_windows
  std::int64_t total_windows = 0;
  std::int64_t frames_decoded = 0;  // of total_frames
  std::int64_t total_frames = 0;
  double fraction = 0.0;         // overall completion estimate in [0, 1]
  double elapsed_seconds = 0.0;  // since run_job started
};

struct RunCallbacks {
  // On the job's thread; may set the cancellation token (honoured at the
  // next step boundary). Exceptions abort the job and propagate.
  std::function<void(const RunProgress&)> progress;
  // Every MP4 chunk in order; exceptions abort the job and propagate.
  media::ChunkCallback chunk;
  // Wall time of one denoise step of one window (all DiT passes incl. CFG).
  std::function<void(double seconds)> denoise_step;
};

struct RunOutcome {
  std::int64_t frames = 0;  // frames encoded (the request's count after 4k+1 rounding)
  int width = 0;            // of the encoded video
  int height = 0;
  double fps = 0.0;
  std::uint64_t bytes = 0;  // MP4 bytes handed to the chunk callback
  std::uint64_t seed = 0;
  std::int64_t windows = 0;
  std::int64_t dit_calls = 0;
  std::int64_t dit_calls_skipped = 0;
  // Times of the stages this function runs: kPreparingInputs (tensor
  // conversion only; callers add their own decoding), kEncodingConditions,
  // kDenoising, kDecoding (VAE only), kEncodingVideo (H.264 + muxing).
  StageTimes times;
};

// Output frame rate: settings.fps, else the pose video's, else 16.
double output_fps(const RenderSettings& settings, const JobInputs& inputs);

// Throws std::invalid_argument for a bad request (field named),
// pipeline::Cancelled when `cancel` was set, media::MediaError for encoder
// failures, and whatever the callbacks throw.
RunOutcome run_job(pipeline::AnimationPipeline& pipeline, const JobInputs& inputs,
                   const RenderSettings& settings, const RunCallbacks& callbacks,
                   const pipeline::CancellationToken* cancel = nullptr);

}  // namespace animate::worker
