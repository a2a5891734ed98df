#include "model/pipeline/job_noise.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

namespace animate::pipeline {

JobNoise draw_job_noise(std::uint64_t seed, std::int64_t channels, std::int64_t latent_frames,
                        std::int64_t height, std::int64_t width, std::int64_t windows,
                        std::int64_t warmup_frames) {
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto options = at::TensorOptions().dtype(at::kFloat);
  JobNoise noise;
  noise.initial = at::randn({1, channels, latent_frames, height, width}, generator, options);
  if (windows > 1) {
    for (std::int64_t w = 0; w < windows; ++w) {
      noise.warmup.push_back(
          at::randn({1, channels, warmup_frames, height, width}, generator, options));
    }
  }
  return noise;
}

}  // namespace animate::pipeline
