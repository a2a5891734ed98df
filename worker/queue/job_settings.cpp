#include "worker/queue/job_settings.h"

namespace animate::worker {

RenderSettings settings_from_job_params(const jobs::JobParams& params) {
  RenderSettings settings;
  settings.size = pipeline::VideoSize{params.width, params.height};
  switch (params.fit_mode) {
    case jobs::FitMode::kResize: settings.fit = pipeline::ReferenceFit::kStretch; break;
    case jobs::FitMode::kCrop: settings.fit = pipeline::ReferenceFit::kCrop; break;
    case jobs::FitMode::kPad: settings.fit = pipeline::ReferenceFit::kPad; break;
  }
  settings.frames = params.frame_count;
  settings.steps = params.steps;
  settings.shift = params.shift;
  settings.cfg_scale = params.cfg_scale;
  // The proto's seed is int64; the pipeline's noise generator takes the same bits.
  settings.seed = static_cast<std::uint64_t>(params.seed);
  settings.sampler = params.sampler == jobs::Sampler::kUniPC
                         ? pipeline::SamplerKind::kUniPC
                         : pipeline::SamplerKind::kFlowMatchEuler;
  settings.teacache_threshold = params.teacache_threshold;
  settings.pose_strength = params.pose_strength;
  if (!params.prompt.empty()) settings.prompt = params.prompt;
  // Empty = Wan2.1's standard negative prompt (the API's default).
  if (!params.negative_prompt.empty()) settings.negative_prompt = params.negative_prompt;
  settings.fps = params.fps;
  settings.crf = static_cast<int>(params.crf);
  return settings;
}

InputDecodeOptions decode_options_from_job_params(const jobs::JobParams& params) {
  InputDecodeOptions options;
  options.pose_fps = params.fps;
  return options;
}

}  // namespace animate::worker
