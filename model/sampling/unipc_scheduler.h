#pragma once
// The official Wan2.1 FlowUniPCMultistepScheduler (wan/utils/fm_solvers_unipc.py)
// as Wan's generate.py configures it: x0-prediction from a flow (velocity)
// model, UniP predictor of order <= 2 with the B(h) variants, UniC corrector,
// lower order at the first and the last step, final sigma 0.
//
// One instance is one sampling run: set_timesteps() builds the schedule and
// clears the solver history; step() then advances one schedule position per
// call. Scalar coefficients (lambda, h, B(h), rho) are computed in float32 like
// the reference, which keeps its sigmas as float32 tensors.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace animate::sampling {

enum class UniPCSolverType {
  kBh1,  // B(h) = h
  kBh2,  // B(h) = expm1(h); Wan's choice
};

struct UniPCConfig {
  std::int64_t num_train_timesteps = 1000;
  // 1 or 2 (Wan uses 2).
  int solver_order = 2;
  UniPCSolverType solver_type = UniPCSolverType::kBh2;
  // Shift applied to the training grid at construction; Wan constructs with 1
  // and passes the real shift to set_timesteps.
  double shift = 1.0;
};

class FlowUniPCScheduler {
 public:
  // Throws std::invalid_argument for an unsupported order or a bad shift.
  explicit FlowUniPCScheduler(UniPCConfig config = {});

  // Builds the N-step schedule with shift k (the constructor's shift when not
  // given) and resets the solver state: sigmas = fp32(shift(linspace(sigma_max,
  // sigma_min, N+1)[:N]) computed in float64) plus a final 0, timesteps =
  // int64(shifted sigma * 1000). Throws std::invalid_argument for N < 1 or k <= 0.
  void set_timesteps(std::int64_t num_steps, std::optional<double> shift = std::nullopt);

  const UniPCConfig& config() const { return config_; }
  // End points of the training grid after the constructor's shift, as doubles
  // of float32 values (sigma_max = 0.9990000128746033 for the default config).
  double sigma_max() const { return sigma_max_; }
  double sigma_min() const { return sigma_min_; }

  std::int64_t num_steps() const { return static_cast<std::int64_t>(timesteps_.size()); }
  // N integer timesteps, what the DiT receives (truncated toward zero).
  const std::vector<std::int64_t>& timesteps() const { return timesteps_; }
  // N + 1 float32 sigmas; the last one is 0.
  const std::vector<float>& sigmas() const { return sigmas_; }
  at::Tensor timesteps_tensor() const;  // int64 [N]
  at::Tensor sigmas_tensor() const;     // float32 [N + 1]

  // The schedule position the next step() call consumes (0 after set_timesteps).
  std::int64_t step_index() const { return step_index_; }
  bool finished() const { return step_index_ >= num_steps(); }
  // Timestep for the DiT at the current position. Throws std::logic_error when finished.
  std::int64_t current_timestep() const;

  // One solver step: `model_output` is the velocity predicted at `sample` and
  // current_timestep(). Applies the corrector to `sample` (from the second step
  // on), then predicts the sample at the next sigma; the last step returns the
  // x0-prediction. The result has the dtype of `sample`. Throws std::logic_error
  // without a schedule or past the last step, std::invalid_argument for
  // mismatched shapes.
  at::Tensor step(const at::Tensor& model_output, const at::Tensor& sample);

 private:
  float lambda_at(std::int64_t index) const;
  at::Tensor correct(const at::Tensor& x0_pred) const;
  at::Tensor predict(const at::Tensor& sample, int order) const;

  UniPCConfig config_;
  double sigma_max_ = 0.0;
  double sigma_min_ = 0.0;
  std::vector<std::int64_t> timesteps_;
  std::vector<float> sigmas_;

  // Solver state of the current run.
  std::int64_t step_index_ = 0;
  // x0-predictions of the last steps, newest last (at most solver_order).
  std::vector<at::Tensor> x0_history_;
  // The (corrected) sample that entered the previous step.
  at::Tensor last_sample_;
  // Predictor order used by the previous step; the corrector reuses it.
  int last_order_ = 0;
  // Steps taken so far, capped at solver_order (warm-up of the multistep history).
  int lower_order_nums_ = 0;
};

}  // namespace animate::sampling
