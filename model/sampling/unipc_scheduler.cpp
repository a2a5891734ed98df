#include "model/sampling/unipc_scheduler.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace animate::sampling {
namespace {

void require(bool condition, const std::string& message) {
  if (!condition) throw std::invalid_argument("FlowUniPCScheduler: " + message);
}

// Tensor times a float32 coefficient. The coefficient travels as a double that
// holds the float exactly, so the kernel multiplies by the same float32 value
// the reference's 0-dim float32 tensors hold.
at::Tensor scaled(const at::Tensor& tensor, float coefficient) {
  return tensor * static_cast<double>(coefficient);
}

// Solves [[1, 1], [r, 1]] * rho = b the way LAPACK's sgesv does for a 2x2
// system (partial pivoting, pivot column scaled by the pivot's reciprocal,
// forward then back substitution), all in float32 like the reference's
// torch.linalg.solve on float32 tensors.
std::pair<float, float> solve_corrector_system(float r, float b1, float b2) {
  float a00 = 1.0F;
  float a01 = 1.0F;
  float a10 = r;
  float a11 = 1.0F;
  float y0 = b1;
  float y1 = b2;
  if (std::fabs(a10) > std::fabs(a00)) {
    std::swap(a00, a10);
    std::swap(a01, a11);
    std::swap(y0, y1);
  }
  const float l10 = a10 * (1.0F / a00);
  const float u11 = a11 - l10 * a01;
  y1 = y1 - l10 * y0;
  const float rho1 = y1 / u11;
  const float rho0 = (y0 - a01 * rho1) / a00;
  return {rho0, rho1};
}

}  // namespace

FlowUniPCScheduler::FlowUniPCScheduler(UniPCConfig config) : config_(config) {
  require(config_.num_train_timesteps >= 2,
          "num_train_timesteps must be >= 2, got " + std::to_string(config_.num_train_timesteps));
  require(config_.solver_order == 1 || config_.solver_order == 2,
          "solver_order must be 1 or 2, got " + std::to_string(config_.solver_order));
  require(std::isfinite(config_.shift) && config_.shift > 0.0,
          "shift must be finite and > 0, got " + std::to_string(config_.shift));

  // Training grid: sigmas = 1 - linspace(1, 1/T, T)[::-1] in float64, stored as
  // float32 and shifted in float32. Only its end points are used later: the
  // first is 1 - 1/T, the last 1 - 1 = 0.
  const auto shift_f32 = [this](float sigma) {
    const auto k = static_cast<float>(config_.shift);
    const auto k_minus_one = static_cast<float>(config_.shift - 1.0);
    return (k * sigma) / (k_minus_one * sigma + 1.0F);
  };
  const double train_max = 1.0 - 1.0 / static_cast<double>(config_.num_train_timesteps);
  sigma_max_ = static_cast<double>(shift_f32(static_cast<float>(train_max)));
  sigma_min_ = static_cast<double>(shift_f32(0.0F));
}

void FlowUniPCScheduler::set_timesteps(std::int64_t num_steps, std::optional<double> shift) {
  require(num_steps >= 1, "num_steps must be >= 1, got " + std::to_string(num_steps));
  const double k = shift.value_or(config_.shift);
  require(std::isfinite(k) && k > 0.0, "shift must be finite and > 0, got " + std::to_string(k));

  // numpy.linspace(sigma_max, sigma_min, N + 1)[:N] in float64: i * step + start,
  // then the shift in float64; the timesteps truncate toward zero and the
  // sigmas are rounded to float32 only at the end.
  const double step = (sigma_min_ - sigma_max_) / static_cast<double>(num_steps);
  timesteps_.assign(static_cast<std::size_t>(num_steps), 0);
  sigmas_.assign(static_cast<std::size_t>(num_steps) + 1, 0.0F);
  for (std::int64_t i = 0; i < num_steps; ++i) {
    const double s = static_cast<double>(i) * step + sigma_max_;
    const double shifted = (k * s) / (1.0 + (k - 1.0) * s);
    const auto index = static_cast<std::size_t>(i);
    timesteps_[index] =
        static_cast<std::int64_t>(shifted * static_cast<double>(config_.num_train_timesteps));
    sigmas_[index] = static_cast<float>(shifted);
  }
  // final_sigmas_type "zero": the last step lands on the x0-prediction.
  sigmas_.back() = 0.0F;

  step_index_ = 0;
  x0_history_.clear();
  last_sample_ = at::Tensor();
  last_order_ = 0;
  lower_order_nums_ = 0;
}

at::Tensor FlowUniPCScheduler::timesteps_tensor() const {
  return at::tensor(timesteps_, at::kLong);
}

at::Tensor FlowUniPCScheduler::sigmas_tensor() const {
  return at::tensor(sigmas_, at::kFloat);
}

std::int64_t FlowUniPCScheduler::current_timestep() const {
  if (finished()) {
    throw std::logic_error("FlowUniPCScheduler: no timestep left (schedule of " +
                           std::to_string(num_steps()) + " steps is finished or not set)");
  }
  return timesteps_[static_cast<std::size_t>(step_index_)];
}

float FlowUniPCScheduler::lambda_at(std::int64_t index) const {
  // lambda = log(alpha) - log(sigma) with alpha = 1 - sigma, in float32.
  const float sigma = sigmas_[static_cast<std::size_t>(index)];
  return std::log(1.0F - sigma) - std::log(sigma);
}

at::Tensor FlowUniPCScheduler::step(const at::Tensor& model_output, const at::Tensor& sample) {
  if (num_steps() == 0) {
    throw std::logic_error("FlowUniPCScheduler: step() before set_timesteps()");
  }
  if (finished()) {
    throw std::logic_error("FlowUniPCScheduler: step() past the last of " +
                           std::to_string(num_steps()) + " steps");
  }
  require(model_output.sizes() == sample.sizes(),
          "model_output and sample must have the same shape");

  const std::int64_t i = step_index_;
  const float sigma = sigmas_[static_cast<std::size_t>(i)];
  const at::Tensor x0_pred = sample - scaled(model_output, sigma);

  // The uncorrected sample is kept as a copy: the caller owns `sample` and may
  // update it in place before the next step, which needs it for the corrector.
  const at::Tensor corrected =
      (i > 0 && last_sample_.defined()) ? correct(x0_pred) : sample.clone();

  x0_history_.push_back(x0_pred);
  if (x0_history_.size() > static_cast<std::size_t>(config_.solver_order)) {
    x0_history_.erase(x0_history_.begin());
  }

  // lower_order_final: order 1 at the last step (the second-order term would
  // divide by an infinite h there); warm-up: order 1 at the first step.
  int order = static_cast<int>(std::min<std::int64_t>(config_.solver_order, num_steps() - i));
  order = std::min(order, lower_order_nums_ + 1);

  last_sample_ = corrected;
  last_order_ = order;
  at::Tensor next = predict(corrected, order);

  lower_order_nums_ = std::min(lower_order_nums_ + 1, config_.solver_order);
  ++step_index_;
  return next.to(sample.scalar_type());
}

at::Tensor FlowUniPCScheduler::correct(const at::Tensor& x0_pred) const {
  // UniC: re-solve the step that produced `sample` from last_sample_, now using
  // the fresh x0-prediction at `sample`, with the order the predictor used.
  const std::int64_t i = step_index_;
  const float sigma_t = sigmas_[static_cast<std::size_t>(i)];
  const float sigma_s0 = sigmas_[static_cast<std::size_t>(i - 1)];
  const float alpha_t = 1.0F - sigma_t;
  const float lambda_s0 = lambda_at(i - 1);
  const float h = lambda_at(i) - lambda_s0;
  const float hh = -h;  // predict_x0 works with -h
  const float h_phi_1 = std::expm1(hh);
  const float b_h = config_.solver_type == UniPCSolverType::kBh2 ? std::expm1(hh) : hh;

  const at::Tensor& m0 = x0_history_.back();
  const at::Tensor base = scaled(last_sample_, sigma_t / sigma_s0) - scaled(m0, alpha_t * h_phi_1);
  const at::Tensor d1_t = x0_pred - m0;

  if (last_order_ == 1) {
    // rho_c = [0.5] for order 1.
    return base - scaled(scaled(d1_t, 0.5F), alpha_t * b_h);
  }

  // Order 2: rho from R * rho = b with R = [[1, 1], [r, 1]], b_k = k! * phi_k(h) / B(h).
  const float r = (lambda_at(i - 2) - lambda_s0) / h;
  const at::Tensor d1 = (x0_history_[x0_history_.size() - 2] - m0) / static_cast<double>(r);
  float h_phi_k = h_phi_1 / hh - 1.0F;
  const float b1 = (h_phi_k * 1.0F) / b_h;
  h_phi_k = h_phi_k / hh - 0.5F;
  const float b2 = (h_phi_k * 2.0F) / b_h;
  const auto [rho0, rho1] = solve_corrector_system(r, b1, b2);
  return base - scaled(scaled(d1, rho0) + scaled(d1_t, rho1), alpha_t * b_h);
}

at::Tensor FlowUniPCScheduler::predict(const at::Tensor& sample, int order) const {
  // UniP from sigma_i to sigma_{i+1} in the x0 parameterisation.
  const std::int64_t i = step_index_;
  const at::Tensor& m0 = x0_history_.back();
  const float sigma_t = sigmas_[static_cast<std::size_t>(i + 1)];
  if (sigma_t == 0.0F) {
    // lambda = +inf, B(h) = expm1(-inf) = -1: the reference's formula reduces
    // exactly to the x0-prediction. Returned directly instead of through inf.
    return m0.clone();
  }
  const float sigma_s0 = sigmas_[static_cast<std::size_t>(i)];
  const float alpha_t = 1.0F - sigma_t;
  const float lambda_s0 = lambda_at(i);
  const float h = lambda_at(i + 1) - lambda_s0;
  const float hh = -h;
  const float h_phi_1 = std::expm1(hh);
  const float b_h = config_.solver_type == UniPCSolverType::kBh2 ? std::expm1(hh) : hh;

  const at::Tensor base = scaled(sample, sigma_t / sigma_s0) - scaled(m0, alpha_t * h_phi_1);
  if (order == 1) return base;

  // Order 2 uses the fixed rho = 0.5 of the reference.
  const float r = (lambda_at(i - 1) - lambda_s0) / h;
  const at::Tensor d1 = (x0_history_[x0_history_.size() - 2] - m0) / static_cast<double>(r);
  return base - scaled(scaled(d1, 0.5F), alpha_t * b_h);
}

}  // namespace animate::sampling
