#include "model/unianimate/teacache.h"

#include <ATen/ATen.h>

#include <map>
#include <stdexcept>
#include <utility>

namespace animate::unianimate {

std::vector<double> teacache_coefficients(const std::string& model_id) {
  static const std::map<std::string, std::vector<double>> kTable = {
      {"Wan2.1-T2V-1.3B",
       {-5.21862437e+04, 9.23041404e+03, -5.28275948e+02, 1.36987616e+01, -4.99875664e-02}},
      {"Wan2.1-T2V-14B",
       {-3.03318725e+05, 4.90537029e+04, -2.65530556e+03, 5.87365115e+01, -3.15583525e-01}},
      {"Wan2.1-I2V-14B-480P",
       {2.57151496e+05, -3.54229917e+04, 1.40286849e+03, -1.35890334e+01, 1.32517977e-01}},
      {"Wan2.1-I2V-14B-720P",
       {8.10705460e+03, 2.13393892e+03, -3.72934672e+02, 1.66203073e+01, -4.17769401e-02}},
  };
  const auto it = kTable.find(model_id);
  if (it == kTable.end()) {
    throw std::invalid_argument("TeaCache: no coefficients for model id '" + model_id + "'");
  }
  return it->second;
}

TeaCache::TeaCache(std::int64_t num_steps, double threshold, std::vector<double> coefficients)
    : num_steps_(num_steps), threshold_(threshold), coefficients_(std::move(coefficients)) {
  if (num_steps_ < 1) {
    throw std::invalid_argument("TeaCache: num_steps must be positive, got " +
                                std::to_string(num_steps_));
  }
  if (coefficients_.empty()) throw std::invalid_argument("TeaCache: empty coefficient list");
}

void TeaCache::reset() {
  step_ = 0;
  accumulated_ = 0.0;
  last_relative_l1_ = 0.0;
  previous_modulation_ = at::Tensor();
  residual_ = at::Tensor();
}

bool TeaCache::should_compute(const at::Tensor& t_mod) {
  last_relative_l1_ = 0.0;
  if (step_ != 0 && previous_modulation_.defined()) {
    // A tensor value in t_mod's dtype, like the reference's .item().
    const at::Tensor ratio =
        (t_mod - previous_modulation_).abs().mean() / previous_modulation_.abs().mean();
    last_relative_l1_ = ratio.item<double>();
  }
  bool compute = true;
  if (step_ == 0 || step_ == num_steps_ - 1 || !previous_modulation_.defined()) {
    accumulated_ = 0.0;
  } else {
    double poly = 0.0;  // Horner, like numpy.poly1d
    for (double c : coefficients_) poly = poly * last_relative_l1_ + c;
    accumulated_ += poly;
    if (accumulated_ < threshold_) {
      compute = false;
    } else {
      accumulated_ = 0.0;
    }
  }
  previous_modulation_ = t_mod.detach().clone();
  step_ = (step_ + 1) % num_steps_;
  return compute;
}

void TeaCache::store_residual(const at::Tensor& blocks_in, const at::Tensor& blocks_out) {
  residual_ = blocks_out - blocks_in;
}

at::Tensor forward_with_teacache(const wan::WanDiT& dit, const wan::DitInputs& inputs,
                                 TeaCache& cache, bool* computed) {
  wan::DitCall call = dit.prepare(inputs);
  bool compute = cache.should_compute(call.time_modulation);
  // A skip needs a residual of the same token shape; without one (a cache
  // used out of order) computing is the only correct answer.
  if (!compute &&
      (!cache.has_residual() || !cache.residual().sizes().equals(call.tokens.sizes()))) {
    compute = true;
  }
  at::Tensor tokens = std::move(call.tokens);
  if (compute) {
    const at::Tensor blocks_in = tokens.clone();
    dit.run_blocks(tokens, call);
    cache.store_residual(blocks_in, tokens);
  } else {
    tokens.add_(cache.residual());
  }
  if (computed != nullptr) *computed = compute;
  return dit.unpatchify(dit.head(tokens, call), call.grid);
}

}  // namespace animate::unianimate
