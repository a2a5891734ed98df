#pragma once
// DiffSynth's FlowMatchScheduler as the UniAnimate-DiT pipelines use it:
// a shifted linear sigma schedule and explicit Euler steps on the velocity
// predicted by the DiT (x_sigma = (1 - sigma) * x0 + sigma * noise, v = noise - x0).
//
// The schedule is computed with the same float32 tensor operations as the
// reference (torch.linspace, then the shift in float32), so sigmas and
// timesteps match it to the last bit on the same LibTorch.
#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace animate::sampling {

struct FlowMatchConfig {
  std::int64_t num_train_timesteps = 1000;
  // Shift k of sigma -> k * sigma / (1 + (k - 1) * sigma); set_timesteps may override it.
  double shift = 5.0;
  double sigma_max = 1.0;
  double sigma_min = 0.0;
  // Take N of N+1 linspace points, so the schedule never reaches sigma_min itself.
  bool extra_one_step = true;
  bool inverse_timesteps = false;
  bool reverse_sigmas = false;
};

class FlowMatchScheduler {
 public:
  // Defaults are those of the UniAnimate pipelines:
  // FlowMatchScheduler(shift=5, sigma_min=0, extra_one_step=True).
  explicit FlowMatchScheduler(FlowMatchConfig config = {});

  // Builds the N-step schedule. denoising_strength in (0, 1] starts the schedule
  // part-way (video-to-video); `shift`, when given, replaces the configured shift
  // for this and later schedules, as the reference does. Throws
  // std::invalid_argument for num_steps < 1, a strength outside (0, 1] or shift <= 0.
  void set_timesteps(std::int64_t num_steps, double denoising_strength = 1.0,
                     std::optional<double> shift = std::nullopt);

  const FlowMatchConfig& config() const { return config_; }
  std::int64_t num_steps() const { return static_cast<std::int64_t>(sigma_values_.size()); }

  // [N] float32 CPU tensors; timesteps = 1000 * sigmas, not truncated.
  const at::Tensor& sigmas() const { return sigmas_; }
  const at::Tensor& timesteps() const { return timesteps_; }

  float sigma(std::int64_t index) const;
  // The sigma an Euler step at `index` moves to: the next sigma, and after the
  // last index 0 (1 for inverse/reversed schedules).
  float sigma_next(std::int64_t index) const;
  float timestep(std::int64_t index) const;

  // The timestep tensor [1] the pipeline feeds the DiT at `index`, cast to the
  // pipeline dtype (a bf16 pipeline rounds e.g. 995.935 to 996).
  at::Tensor dit_timestep(std::int64_t index, at::ScalarType dtype = at::kFloat) const;

  // One Euler step from schedule position `index`: x + v * (sigma_next - sigma),
  // in the dtype of the operands. Throws std::out_of_range for a bad index.
  at::Tensor step(std::int64_t index, const at::Tensor& model_output,
                  const at::Tensor& sample) const;

  // The reference's lookup: the index whose timestep is nearest to `timestep`
  // (argmin |timesteps - t| in float32, first index on ties).
  std::int64_t index_for_timestep(float timestep) const;

  // The reference's step(model_output, timestep, sample): step at the nearest index.
  at::Tensor step_at_timestep(const at::Tensor& model_output, float timestep,
                              const at::Tensor& sample) const;

  // (1 - sigma) * original + sigma * noise at schedule position `index`
  // (how video-to-video noises its input latents with timesteps[0]).
  at::Tensor add_noise(const at::Tensor& original, const at::Tensor& noise,
                       std::int64_t index) const;

 private:
  void check_index(std::int64_t index) const;

  FlowMatchConfig config_;
  at::Tensor sigmas_;
  at::Tensor timesteps_;
  std::vector<float> sigma_values_;
  std::vector<float> timestep_values_;
};

}  // namespace animate::sampling
