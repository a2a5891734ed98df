#pragma once
// The sampling loop of both UniAnimate pipelines: asymmetric CFG (pose tokens
// only in the positive branch), optional TeaCache per window and branch, and
// the long-video sliding windows with private warm-up frames (spec 5).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "model/pipeline/animation_request.h"
#include "model/pipeline/animation_result.h"
#include "model/sampling/context_windows.h"
#include "model/wan/dit.h"

namespace animate::pipeline {

struct DenoiseSetup {
  const wan::WanDiT* dit = nullptr;
  at::Tensor context_posi;  // [1, text_len, text_dim]
  at::Tensor context_nega;  // unused when cfg_scale == 1
  at::Tensor clip_feature;  // [1, 257, clip_dim]
  at::Tensor y;             // [1, 20, window frames, h, w], shared by every window
  // Per window: [1, L, dim] tokens already scaled by the pose strength, on any
  // device (moved to the DiT's for each call); undefined = no pose tokens.
  std::vector<at::Tensor> pose_tokens;
  // Latent frames of each window; a single window covering every frame is
  // the short-video path (no warm-up frames).
  sampling::FrameWindows windows;
  at::Tensor initial_latents;      // [1, C, T_lat, h, w] float32 on the DiT's device
  std::vector<at::Tensor> warmup;  // multi-window: per window [1, C, 2, h, w]
  SamplerKind sampler = SamplerKind::kFlowMatchEuler;
  std::int64_t steps = 50;
  double shift = 5.0;
  double cfg_scale = 1.5;
  double teacache_threshold = 0.0;
};

struct DenoiseHooks {
  // Before every window's DiT calls; may throw (cancellation).
  std::function<void()> boundary;
  // After window `window` (0-based) of step `step` (0-based) has its velocity.
  std::function<void(std::int64_t step, std::int64_t window)> window_done;
  AnimationTrace* trace = nullptr;
};

struct DenoiseStats {
  std::int64_t dit_calls = 0;
  std::int64_t dit_calls_skipped = 0;
};

// Final latents [1, C, T_lat, h, w] float32.
at::Tensor denoise(const DenoiseSetup& setup, const DenoiseHooks& hooks, DenoiseStats* stats);

}  // namespace animate::pipeline
