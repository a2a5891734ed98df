#pragma once
// What a finished job returns, and the frame sink that receives the video
// while it is decoded.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "model/pipeline/animation_request.h"
#include "model/sampling/context_windows.h"

namespace animate::pipeline {

// A chunk of decoded frames, handed out in order as the VAE produces them
// (1 frame for the first latent frame, then 4 per latent frame).
struct DecodedFrames {
  at::Tensor frames;  // uint8 [n, H, W, 3] = uint8(clip((video + 1) * 127.5, 0, 255)), CPU
  at::Tensor video;   // float32 [1, 3, n, H, W] in [-1, 1], CPU
  std::int64_t first_frame = 0;
};
using FrameSink = std::function<void(const DecodedFrames&)>;

// Wall-clock seconds per stage.
struct StageTimings {
  double text = 0.0;   // tokenizer + umT5 (near zero on a prompt-cache hit)
  double image = 0.0;  // reference fit, CLIP, VAE encode of the conditioning
  double pose = 0.0;   // pose-frame fit and both pose encoders
  double denoise = 0.0;
  double decode = 0.0;  // VAE decode incl. the frame sink's time
  double total = 0.0;
};

struct AnimationResult {
  std::int64_t num_frames = 0;  // after rounding to 4k+1
  std::int64_t latent_frames = 0;
  VideoSize size;
  std::uint64_t seed = 0;
  sampling::FrameWindows windows;      // latent frames of each window (one window for short videos)
  std::int64_t dit_calls = 0;          // DiT forwards that ran the block stack
  std::int64_t dit_calls_skipped = 0;  // TeaCache reuses
  at::Tensor frames;                   // uint8 [N, H, W, 3] when JobOptions::keep_frames
  at::Tensor latents;  // float32 [1, 16, T_lat, h, w] final latents when keep_latents
  StageTimings timings;
};

// Intermediate values for parity tests and debugging (costly: keeps copies).
struct AnimationTrace {
  at::Tensor context_posi, context_nega;  // [1, text_len, text_dim]
  at::Tensor clip_feature;                // [1, 257, clip_dim]
  at::Tensor y;                           // [1, 20, T, h, w] before the ref-pose feature
  at::Tensor refpose_feature;             // [1, 20, 1, h, w]
  at::Tensor y_conditioned;
  std::vector<at::Tensor> pose_tokens;  // per window [1, L, dim] (before pose_strength)
  at::Tensor noise;                     // the initial latent noise used
  std::vector<at::Tensor> latents;      // before the first step and after each step
  // [step][window]: the DiT's latent input (warm-up frames in place) and the
  // guided velocity (float32).
  std::vector<std::vector<at::Tensor>> window_inputs;
  std::vector<std::vector<at::Tensor>> window_velocities;
  at::Tensor v_posi_step0, v_nega_step0;  // window 0, step 0
};

}  // namespace animate::pipeline
