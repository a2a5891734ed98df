#include "model/sampling/flow_match_scheduler.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace animate::sampling {
namespace {

void require(bool condition, const std::string& message) {
  if (!condition) throw std::invalid_argument("FlowMatchScheduler: " + message);
}

std::vector<float> to_vector(const at::Tensor& values) {
  const at::Tensor contiguous = values.contiguous();
  const float* data = contiguous.data_ptr<float>();
  return std::vector<float>(data, data + contiguous.numel());
}

}  // namespace

FlowMatchScheduler::FlowMatchScheduler(FlowMatchConfig config) : config_(config) {
  require(config_.num_train_timesteps >= 1,
          "num_train_timesteps must be >= 1, got " + std::to_string(config_.num_train_timesteps));
  require(std::isfinite(config_.shift) && config_.shift > 0.0,
          "shift must be finite and > 0, got " + std::to_string(config_.shift));
  require(
      config_.sigma_min >= 0.0 && config_.sigma_min < config_.sigma_max && config_.sigma_max <= 1.0,
      "sigmas must satisfy 0 <= sigma_min < sigma_max <= 1, got sigma_min " +
          std::to_string(config_.sigma_min) + ", sigma_max " + std::to_string(config_.sigma_max));
}

void FlowMatchScheduler::set_timesteps(std::int64_t num_steps, double denoising_strength,
                                       std::optional<double> shift) {
  require(num_steps >= 1, "num_steps must be >= 1, got " + std::to_string(num_steps));
  require(denoising_strength > 0.0 && denoising_strength <= 1.0,
          "denoising_strength must be in (0, 1], got " + std::to_string(denoising_strength));
  if (shift.has_value()) {
    require(std::isfinite(*shift) && *shift > 0.0,
            "shift must be finite and > 0, got " + std::to_string(*shift));
    config_.shift = *shift;
  }

  // Every operation below is the reference's float32 tensor operation in the
  // reference's order (linspace in float32, shift as k*s / (1 + (k-1)*s)), so
  // the schedule carries the same rounding as the reference's.
  const double sigma_start =
      config_.sigma_min + (config_.sigma_max - config_.sigma_min) * denoising_strength;
  at::Tensor sigmas;
  if (config_.extra_one_step) {
    sigmas = at::linspace(sigma_start, config_.sigma_min, num_steps + 1, at::kFloat)
                 .slice(0, 0, num_steps);
  } else {
    sigmas = at::linspace(sigma_start, config_.sigma_min, num_steps, at::kFloat);
  }
  if (config_.inverse_timesteps) sigmas = at::flip(sigmas, {0});
  const double k = config_.shift;
  sigmas = (sigmas * k) / ((sigmas * (k - 1.0)) + 1.0);
  if (config_.reverse_sigmas) sigmas = at::rsub(sigmas, 1.0);

  sigmas_ = sigmas.contiguous();
  timesteps_ = (sigmas_ * config_.num_train_timesteps).contiguous();
  sigma_values_ = to_vector(sigmas_);
  timestep_values_ = to_vector(timesteps_);
}

void FlowMatchScheduler::check_index(std::int64_t index) const {
  if (index < 0 || index >= num_steps()) {
    throw std::out_of_range("FlowMatchScheduler: step index " + std::to_string(index) +
                            " outside the schedule of " + std::to_string(num_steps()) +
                            " steps (call set_timesteps first)");
  }
}

float FlowMatchScheduler::sigma(std::int64_t index) const {
  check_index(index);
  return sigma_values_[static_cast<std::size_t>(index)];
}

float FlowMatchScheduler::sigma_next(std::int64_t index) const {
  check_index(index);
  if (index + 1 < num_steps()) return sigma_values_[static_cast<std::size_t>(index + 1)];
  // After the last index the reference jumps to the clean end of the path.
  return (config_.inverse_timesteps || config_.reverse_sigmas) ? 1.0F : 0.0F;
}

float FlowMatchScheduler::timestep(std::int64_t index) const {
  check_index(index);
  return timestep_values_[static_cast<std::size_t>(index)];
}

at::Tensor FlowMatchScheduler::dit_timestep(std::int64_t index, at::ScalarType dtype) const {
  check_index(index);
  return timesteps_.slice(0, index, index + 1).to(dtype).clone();
}

at::Tensor FlowMatchScheduler::step(std::int64_t index, const at::Tensor& model_output,
                                    const at::Tensor& sample) const {
  // The reference subtracts two float32 scalars, then scales the velocity with
  // the difference and adds: same rounding here.
  const float delta = sigma_next(index) - sigma(index);
  return sample + model_output * static_cast<double>(delta);
}

std::int64_t FlowMatchScheduler::index_for_timestep(float timestep) const {
  if (num_steps() == 0) {
    throw std::out_of_range("FlowMatchScheduler: no schedule (call set_timesteps first)");
  }
  std::int64_t best = 0;
  float best_distance = std::numeric_limits<float>::infinity();
  for (std::int64_t i = 0; i < num_steps(); ++i) {
    const float distance = std::fabs(timestep_values_[static_cast<std::size_t>(i)] - timestep);
    if (distance < best_distance) {  // strict: the first index wins ties, like argmin
      best_distance = distance;
      best = i;
    }
  }
  return best;
}

at::Tensor FlowMatchScheduler::step_at_timestep(const at::Tensor& model_output, float timestep,
                                                const at::Tensor& sample) const {
  return step(index_for_timestep(timestep), model_output, sample);
}

at::Tensor FlowMatchScheduler::add_noise(const at::Tensor& original, const at::Tensor& noise,
                                         std::int64_t index) const {
  const float s = sigma(index);
  const float keep = 1.0F - s;
  return original * static_cast<double>(keep) + noise * static_cast<double>(s);
}

}  // namespace animate::sampling
