#pragma once
// One animation job: the reference person, the driving poses and how to
// sample. Defaults are those of the UniAnimate-DiT example scripts
// (spec 4.10): 480x832 portrait, 50 flow-match Euler steps, shift 5,
// CFG 1.5, seed 0, TeaCache off, prompt "a person is dancing".
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>

namespace animate::pipeline {

struct VideoSize {
  std::int64_t width = 480;
  std::int64_t height = 832;
};

// The sizes UniAnimate-DiT was run at (trained at 480x832 portrait; 720p is zero-shot).
inline constexpr VideoSize k480pPortrait{480, 832};
inline constexpr VideoSize k480pLandscape{832, 480};
inline constexpr VideoSize k720pPortrait{720, 1280};
inline constexpr VideoSize k720pLandscape{1280, 720};

// How the reference image, the reference pose and the pose frames meet the
// target size. All three are fitted alike so skeletons stay on the body.
enum class ReferenceFit {
  kStretch,  // the reference's plain resize to W x H (aspect not kept)
  kCrop,     // centre crop to the target aspect, then resize
  kPad,      // resize to fit inside, then centre on black (letterbox)
};

enum class SamplerKind {
  kFlowMatchEuler,  // DiffSynth FlowMatchScheduler + Euler: what UniAnimate ran
  kUniPC,           // official Wan2.1 FlowUniPCMultistepScheduler (order 2)
};

// Wan's default negative prompt as the UniAnimate examples shorten it (spec 2.4).
extern const char* const kDefaultPrompt;
extern const char* const kDefaultNegativePrompt;

// Limits checked by validate_request (std::invalid_argument names the field and the limit).
inline constexpr std::int64_t kMaxSide = 4096;
inline constexpr std::int64_t kMaxSteps = 1000;
inline constexpr double kMaxCfgScale = 30.0;
inline constexpr double kMaxPoseStrength = 10.0;
inline constexpr std::int64_t kWarmupFrames = 2;  // private latent frames per window (spec 5)

struct AnimationRequest {
  // uint8 RGB, any size: [H, W, 3], [N, H, W, 3] (N >= 1), [H, W, 3].
  at::Tensor reference_image;
  at::Tensor pose_frames;
  at::Tensor reference_pose;

  VideoSize size = k480pPortrait;  // multiples of 16
  ReferenceFit fit = ReferenceFit::kStretch;

  // Output frames. 0: all pose frames. Otherwise the first num_frames pose
  // frames, the last pose repeated when there are fewer (as the short-video
  // example pads to 81). The count is then rounded DOWN to 4k+1 (the
  // long-video example's rule; 1..4 -> 1, 5..8 -> 5, 81..84 -> 81); the
  // result reports the count used.
  std::int64_t num_frames = 0;

  std::int64_t steps = 50;
  double shift = 5.0;
  double cfg_scale = 1.5;  // 1.0 skips the negative branch
  std::uint64_t seed = 0;
  SamplerKind sampler = SamplerKind::kFlowMatchEuler;
  double teacache_threshold = 0.0;  // 0 = off; the examples' value when on: 0.3
  double pose_strength = 1.0;       // scale on the pose tokens; 1.0 = the reference
  std::string prompt = kDefaultPrompt;
  std::string negative_prompt = kDefaultNegativePrompt;

  // Long videos: latent frames per window and shared by consecutive windows
  // (the examples: 21 and 4 -> stride 17); videos of at most context_size
  // latent frames (81 pixel frames) take the single-window path.
  std::int64_t context_size = 21;
  std::int64_t context_overlap = 4;

  // VAE decode tiling as the reference pipeline (latent cells); false =
  // untiled (same values, more memory on large frames).
  bool tiled_decode = true;

  // Injected noise instead of the seeded draws (parity tests): the initial
  // latent noise [1, 16, T_lat, H/8, W/8] and, for the multi-window path, the
  // per-window warm-up latents [windows, 1, 16, 2, H/8, W/8].
  at::Tensor noise;
  at::Tensor warmup_noise;
};

// Frames a request produces from `pose_frame_count` pose frames (see num_frames).
std::int64_t resolved_frame_count(std::int64_t requested, std::int64_t pose_frame_count);

// Checks every field against its limit; throws std::invalid_argument naming
// the field, the value and the limit. Does not check noise shapes (they
// depend on the model; the pipeline does).
void validate_request(const AnimationRequest& request);

}  // namespace animate::pipeline
