#pragma once
// One denoising trajectory under a sampler: the timestep the DiT sees at each
// schedule position and the update from a velocity. Multistep samplers keep
// history, so every trajectory (the whole latent, each long-video window's
// private warm-up frames) owns one stepper; fresh() starts another on the
// same schedule.
#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <memory>

#include "model/pipeline/animation_request.h"

namespace animate::pipeline {

class LatentStepper {
 public:
  virtual ~LatentStepper() = default;

  virtual std::int64_t num_steps() const = 0;
  // Timestep tensor [1] for the DiT at schedule position `index`.
  virtual at::Tensor dit_timestep(std::int64_t index) const = 0;
  // The sample at position index + 1 from the one at `index` and its
  // velocity. Positions must be visited in order (multistep history).
  virtual at::Tensor step(std::int64_t index, const at::Tensor& velocity,
                          const at::Tensor& sample) = 0;
  virtual std::unique_ptr<LatentStepper> fresh() const = 0;
};

// kFlowMatchEuler: DiffSynth FlowMatchScheduler (sigma_min 0, extra_one_step),
// timesteps cast to `timestep_dtype` like DiffSynth does with its pipeline
// dtype (bf16 rounds 995.935 to 996). kUniPC: Wan's FlowUniPCMultistepScheduler
// with set_timesteps(steps, shift), integer timesteps.
std::unique_ptr<LatentStepper> make_latent_stepper(SamplerKind kind, std::int64_t steps,
                                                   double shift, at::ScalarType timestep_dtype);

}  // namespace animate::pipeline
