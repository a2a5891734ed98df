#include "model/pipeline/latent_stepper.h"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>

#include "model/sampling/flow_match_scheduler.h"
#include "model/sampling/unipc_scheduler.h"

namespace animate::pipeline {
namespace {

class EulerStepper final : public LatentStepper {
 public:
  EulerStepper(std::int64_t steps, double shift, at::ScalarType timestep_dtype)
      : steps_(steps), shift_(shift), timestep_dtype_(timestep_dtype) {
    sampling::FlowMatchConfig config;
    config.shift = shift;
    scheduler_ = sampling::FlowMatchScheduler(config);
    scheduler_.set_timesteps(steps, 1.0, shift);
  }

  std::int64_t num_steps() const override { return scheduler_.num_steps(); }
  at::Tensor dit_timestep(std::int64_t index) const override {
    return scheduler_.dit_timestep(index, timestep_dtype_);
  }
  at::Tensor step(std::int64_t index, const at::Tensor& velocity,
                  const at::Tensor& sample) override {
    return scheduler_.step(index, velocity, sample);
  }
  std::unique_ptr<LatentStepper> fresh() const override {
    return std::make_unique<EulerStepper>(steps_, shift_, timestep_dtype_);
  }

 private:
  std::int64_t steps_;
  double shift_;
  at::ScalarType timestep_dtype_;
  sampling::FlowMatchScheduler scheduler_;
};

class UniPCStepper final : public LatentStepper {
 public:
  UniPCStepper(std::int64_t steps, double shift) : steps_(steps), shift_(shift) {
    scheduler_.set_timesteps(steps, shift);
  }

  std::int64_t num_steps() const override { return scheduler_.num_steps(); }
  at::Tensor dit_timestep(std::int64_t index) const override {
    const auto& timesteps = scheduler_.timesteps();
    return at::full({1}, static_cast<double>(timesteps.at(static_cast<std::size_t>(index))),
                    at::kFloat);
  }
  at::Tensor step(std::int64_t index, const at::Tensor& velocity,
                  const at::Tensor& sample) override {
    if (index != scheduler_.step_index()) {
      throw std::logic_error("UniPC stepper: step " + std::to_string(index) +
                             " out of order (next is " + std::to_string(scheduler_.step_index()) +
                             ")");
    }
    return scheduler_.step(velocity, sample);
  }
  std::unique_ptr<LatentStepper> fresh() const override {
    return std::make_unique<UniPCStepper>(steps_, shift_);
  }

 private:
  std::int64_t steps_;
  double shift_;
  // Wan constructs the solver with shift 1 and passes the real shift to set_timesteps.
  sampling::FlowUniPCScheduler scheduler_{sampling::UniPCConfig{}};
};

}  // namespace

std::unique_ptr<LatentStepper> make_latent_stepper(SamplerKind kind, std::int64_t steps,
                                                   double shift, at::ScalarType timestep_dtype) {
  switch (kind) {
    case SamplerKind::kFlowMatchEuler:
      return std::make_unique<EulerStepper>(steps, shift, timestep_dtype);
    case SamplerKind::kUniPC: return std::make_unique<UniPCStepper>(steps, shift);
  }
  throw std::invalid_argument("unknown sampler kind");
}

}  // namespace animate::pipeline
