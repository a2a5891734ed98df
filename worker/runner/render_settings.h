#pragma once
// The parameters of one render as the service sees them (what animate.v1
// JobParams and the animate-render flags express), independent of where the
// inputs come from. to_animation_request() maps them onto the pipeline.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/pipeline/animation_request.h"

namespace animate::worker {

struct RenderSettings {
  pipeline::VideoSize size = pipeline::k480pPortrait;
  pipeline::ReferenceFit fit = pipeline::ReferenceFit::kStretch;
  std::int64_t frames = 0;  // 0 = all pose frames (rounded down to 4k+1)
  std::int64_t steps = 50;
  double shift = 5.0;
  double cfg_scale = 1.5;
  std::uint64_t seed = 0;
  pipeline::SamplerKind sampler = pipeline::SamplerKind::kFlowMatchEuler;
  double teacache_threshold = 0.0;
  double pose_strength = 1.0;
  std::string prompt = pipeline::kDefaultPrompt;
  std::string negative_prompt = pipeline::kDefaultNegativePrompt;
  // Long videos: latent frames per window and shared between windows.
  std::int64_t context_size = 21;
  std::int64_t context_overlap = 4;

  // Output video. fps 0 = the pose video's rate (16 when it has none).
  double fps = 0.0;
  int crf = 25;
  std::string x264_preset = "medium";
  int encoder_threads = 0;  // 0 = x264 decides
};

// "480p-portrait" (= "480p"), "480p-landscape", "720p-portrait" (= "720p"),
// "720p-landscape"; nullopt for anything else.
std::optional<pipeline::VideoSize> parse_size_preset(std::string_view name);
// "resize" | "crop" | "pad".
std::optional<pipeline::ReferenceFit> parse_fit(std::string_view name);
// "euler" | "unipc".
std::optional<pipeline::SamplerKind> parse_sampler(std::string_view name);

// The pipeline request for these settings, without the images (the caller
// fills reference_image, pose_frames, reference_pose).
pipeline::AnimationRequest to_animation_request(const RenderSettings& settings);

}  // namespace animate::worker
