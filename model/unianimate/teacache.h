#pragma once
// TeaCache as DiffSynth's model_fn_wan_video runs it: per DiT call, decide
// from the change of t_mod whether to run the block stack or to reuse the
// residual (block-stack output - input) of the last computed step. Use one
// TeaCache per CFG branch (and per long-video window and branch).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "model/wan/dit.h"

namespace animate::unianimate {

// Rescaling polynomial (highest power first) for a model id:
// "Wan2.1-T2V-1.3B", "Wan2.1-T2V-14B", "Wan2.1-I2V-14B-480P",
// "Wan2.1-I2V-14B-720P" (what UniAnimate uses at every resolution).
// Throws std::invalid_argument for an unknown id.
std::vector<double> teacache_coefficients(const std::string& model_id);

class TeaCache {
 public:
  // num_steps: calls per denoising run (the first and last always compute;
  // the counter wraps after num_steps calls). threshold: e.g. 0.3.
  TeaCache(std::int64_t num_steps, double threshold, std::vector<double> coefficients);

  // Decision for the next call from its t_mod: true = run the blocks.
  // Updates the accumulator exactly like the reference:
  //   acc += poly(mean|t_mod - prev| / mean|prev|)  (ratio in t_mod's dtype,
  //   polynomial in float64); skip iff acc < threshold, else compute, acc = 0.
  bool should_compute(const at::Tensor& t_mod);

  // Residual bookkeeping around the block stack.
  void store_residual(const at::Tensor& blocks_in, const at::Tensor& blocks_out);
  bool has_residual() const { return residual_.defined(); }
  const at::Tensor& residual() const { return residual_; }

  double accumulated() const { return accumulated_; }
  // Relative change of t_mod at the last call (0 at step 0), also on the
  // first/last steps where it does not enter the accumulator.
  double last_relative_l1() const { return last_relative_l1_; }
  std::int64_t step() const { return step_; }
  double threshold() const { return threshold_; }
  void reset();

 private:
  std::int64_t num_steps_;
  double threshold_;
  std::vector<double> coefficients_;
  std::int64_t step_ = 0;
  double accumulated_ = 0.0;
  double last_relative_l1_ = 0.0;
  at::Tensor previous_modulation_;
  at::Tensor residual_;
};

// One DiT call with TeaCache: the decision comes from this call's t_mod; a
// compute step runs the blocks and stores the residual, a skip step applies
// the head to (tokens + stored residual). `computed` (optional) receives the decision.
at::Tensor forward_with_teacache(const wan::WanDiT& dit, const wan::DitInputs& inputs,
                                 TeaCache& cache, bool* computed = nullptr);

}  // namespace animate::unianimate
