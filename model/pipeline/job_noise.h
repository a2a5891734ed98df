#pragma once
// Every random number of a job comes from its seed, so the same request gives
// the same video (the reference draws the long-video warm-up latents from the
// unseeded global RNG instead; spec 5.6).
//
// Derivation: one LibTorch CPU generator seeded with the job seed (the
// reference's torch.Generator('cpu').manual_seed(seed): same mt19937 and
// Box-Muller, so the initial noise is bit-identical to the reference's);
// then, all float32 on the CPU, in this order:
//   1. the initial latent noise [1, C, T_lat, h, w];
//   2. multi-window videos only: the warm-up latents of window 0, 1, ...,
//      each [1, C, 2, h, w].
// The tensors are moved to the compute device afterwards, so the draws do not
// depend on the device.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace animate::pipeline {

struct JobNoise {
  at::Tensor initial;              // [1, C, T_lat, h, w] float32
  std::vector<at::Tensor> warmup;  // per window [1, C, warmup_frames, h, w]; empty for one window
};

JobNoise draw_job_noise(std::uint64_t seed, std::int64_t channels, std::int64_t latent_frames,
                        std::int64_t height, std::int64_t width, std::int64_t windows,
                        std::int64_t warmup_frames);

}  // namespace animate::pipeline
