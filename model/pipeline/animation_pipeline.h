#pragma once
// The resident UniAnimate-DiT pipeline: loads every component once (DiT with
// the UniAnimate LoRA merged, pose encoders, VAE, CLIP, umT5 + tokenizer),
// then runs any number of jobs, one at a time:
//
//   prompts -> umT5 (cached)      reference image -> CLIP tokens, VAE latent -> y
//   reference pose -> 20-ch feature added to y     pose frames -> pose tokens per window
//   noise (from the seed) -> N sampler steps, CFG with pose tokens in the positive
//   branch only, one or more sliding windows -> VAE decode, frames streamed out.
//
// Short videos (<= context_size latent frames, 81 frames by default) follow
// WanUniAnimateVideoPipeline; longer ones WanUniAnimateLongVideoPipeline:
// windows of context_size latent frames, each with two private warm-up
// frames, combined by averaging the shared frames (spec 5). With Euler the
// windows' velocities are averaged, which equals the reference's average of
// the stepped windows; with UniPC the whole latent and every window's private
// frames each keep their own solver history.
//
// Memory: the whole-video latents and one window's activations on the device;
// per-window pose tokens on the host (moved in per call); frames leave
// through the sink as they are decoded (AnimationResult::frames only when
// JobOptions::keep_frames).
#include <memory>
#include <mutex>

#include "model/pipeline/animation_request.h"
#include "model/pipeline/animation_result.h"
#include "model/pipeline/cancellation.h"
#include "model/pipeline/pipeline_config.h"
#include "model/pipeline/progress.h"
#include "model/wan/clip_vision_config.h"
#include "model/wan/t5_prompt_cache.h"

namespace animate::pipeline {

struct JobOptions {
  ProgressCallback progress;
  FrameSink frame_sink;
  // Polled at every step boundary (before each window's DiT calls, after each
  // progress callback, per decoded chunk); Cancelled is thrown when set.
  const CancellationToken* cancel = nullptr;
  bool keep_frames = true;    // collect all frames into AnimationResult::frames
  bool keep_latents = false;  // AnimationResult::latents
  AnimationTrace* trace = nullptr;
};

// The hyper-parameters the loaded components ended up with.
struct LoadedModelInfo {
  wan::DitConfig dit;
  wan::VaeConfig vae;
  wan::ClipVisionConfig clip;
  wan::T5EncoderConfig t5;
  std::int64_t lora_rank = 0;
  std::size_t lora_merged = 0;  // DiT weights the LoRA changed
  double load_seconds = 0.0;
};

class AnimationPipeline {
 public:
  // Loads every component (see PipelineConfig). Throws ModelFilesError for a
  // missing file, io::FormatError / io::ContentError naming the file for a
  // bad one, std::invalid_argument for contradictory configurations.
  explicit AnimationPipeline(const PipelineConfig& config);
  ~AnimationPipeline();
  AnimationPipeline(const AnimationPipeline&) = delete;
  AnimationPipeline& operator=(const AnimationPipeline&) = delete;

  // Runs one job. Concurrent calls are serialised. Throws
  // std::invalid_argument for a bad request (validate_request, noise shapes),
  // Cancelled when the token is set, and whatever the callbacks throw.
  AnimationResult run(const AnimationRequest& request, const JobOptions& options = {});

  const LoadedModelInfo& info() const;
  wan::PromptCache::Stats prompt_cache_stats() const;

 private:
  struct Components;
  std::unique_ptr<Components> components_;
  std::mutex run_mutex_;
};

}  // namespace animate::pipeline
