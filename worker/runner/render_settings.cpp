#include "worker/runner/render_settings.h"

namespace animate::worker {

std::optional<pipeline::VideoSize> parse_size_preset(std::string_view name) {
  if (name == "480p" || name == "480p-portrait") return pipeline::k480pPortrait;
  if (name == "480p-landscape") return pipeline::k480pLandscape;
  if (name == "720p" || name == "720p-portrait") return pipeline::k720pPortrait;
  if (name == "720p-landscape") return pipeline::k720pLandscape;
  return std::nullopt;
}

std::optional<pipeline::ReferenceFit> parse_fit(std::string_view name) {
  if (name == "resize" || name == "stretch") return pipeline::ReferenceFit::kStretch;
  if (name == "crop") return pipeline::ReferenceFit::kCrop;
  if (name == "pad") return pipeline::ReferenceFit::kPad;
  return std::nullopt;
}

std::optional<pipeline::SamplerKind> parse_sampler(std::string_view name) {
  if (name == "euler") return pipeline::SamplerKind::kFlowMatchEuler;
  if (name == "unipc") return pipeline::SamplerKind::kUniPC;
  return std::nullopt;
}

pipeline::AnimationRequest to_animation_request(const RenderSettings& settings) {
  pipeline::AnimationRequest request;
  request.size = settings.size;
  request.fit = settings.fit;
  request.num_frames = settings.frames;
  request.steps = settings.steps;
  request.shift = settings.shift;
  request.cfg_scale = settings.cfg_scale;
  request.seed = settings.seed;
  request.sampler = settings.sampler;
  request.teacache_threshold = settings.teacache_threshold;
  request.pose_strength = settings.pose_strength;
  request.prompt = settings.prompt;
  request.negative_prompt = settings.negative_prompt;
  request.context_size = settings.context_size;
  request.context_overlap = settings.context_overlap;
  return request;
}

}  // namespace animate::worker
