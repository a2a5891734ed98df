#pragma once
// Helpers for the DiT tests: an in-memory TensorSource, tiny random models and
// the rounding tolerance of a forward pass.
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

#include "model/io/error.h"
#include "model/io/tensor_source.h"
#include "model/tests/test_tolerance.h"
#include "model/wan/dit.h"

namespace animate::testing {

class MemorySource final : public io::TensorSource {
 public:
  MemorySource() = default;
  explicit MemorySource(std::map<std::string, at::Tensor> tensors) : tensors_(std::move(tensors)) {}

  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const auto& [name, t] : tensors_) out.push_back(name);
    return out;
  }
  bool contains(const std::string& name) const override { return tensors_.count(name) > 0; }
  at::Tensor tensor(const std::string& name) const override {
    const auto it = tensors_.find(name);
    if (it == tensors_.end()) throw io::ContentError("memory: no tensor '" + name + "'");
    return it->second;
  }
  std::string origin() const override { return "memory"; }

  std::map<std::string, at::Tensor>& map() { return tensors_; }

 private:
  std::map<std::string, at::Tensor> tensors_;
};

inline wan::DitConfig tiny_config(std::int64_t dim = 48, std::int64_t heads = 2) {
  wan::DitConfig c;
  c.dim = dim;
  c.ffn_dim = 2 * dim;
  c.num_heads = heads;
  c.num_layers = 2;
  c.text_dim = 32;
  c.clip_dim = 32;
  return c;
}

// Random weights with the configuration's names and shapes (small values so
// the forward pass stays well conditioned).
inline std::map<std::string, at::Tensor> random_dit_weights(const wan::DitConfig& config,
                                                            std::uint64_t seed = 0) {
  at::manual_seed(seed);
  std::map<std::string, at::Tensor> out;
  wan::DitWeights shapes;
  wan::visit_dit_parameters(
      shapes, config,
      [&](const std::string& name, at::Tensor&, const std::vector<std::int64_t>& shape) {
        at::Tensor t = at::randn(shape) * 0.2;
        if (name.find("norm") != std::string::npos && name.find(".weight") != std::string::npos) {
          t.add_(1.0);
        }
        out[name] = t;
      });
  return out;
}

inline wan::DitInputs random_inputs(const wan::DitConfig& c, std::int64_t batch = 1,
                                    std::int64_t frames = 2, std::int64_t h = 4, std::int64_t w = 6,
                                    bool condition = true) {
  wan::DitInputs in;
  in.latents = at::randn({batch, c.out_dim, frames, h, w});
  in.y = at::randn({batch, c.in_dim - c.out_dim, frames, h, w});
  in.timestep = at::full({1}, 731.5);
  in.text_context = at::randn({batch, 7, c.text_dim});
  in.clip_feature = at::randn({batch, 257, c.clip_dim});
  if (condition) in.add_condition = at::randn({batch, frames * (h / 2) * (w / 2), c.dim}) * 0.5;
  return in;
}

// The summed reduction length of a forward pass on `in`: the fan-in of every
// weight matrix (each output of a linear, or of the patch embedding, sums that
// many products) plus, per block, the attentions' sums: head_dim products per
// score (self, text and image attention), and per output the tokens (self)
// and the text and image tokens (cross, accumulated into one output).
inline double dit_reduction_length(const wan::DitConfig& config, const wan::DitInputs& in) {
  double length = 0.0;
  wan::DitWeights shapes;
  wan::visit_dit_parameters(
      shapes, config,
      [&](const std::string& name, at::Tensor&, const std::vector<std::int64_t>& shape) {
        const std::string suffix = ".weight";
        const bool matrix = shape.size() >= 2 && name.size() > suffix.size() &&
                            name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
        if (matrix) length += static_cast<double>(fan_in(shape));
      });
  const auto& p = config.patch_size;
  const std::int64_t tokens =
      (in.latents.size(2) / p[0]) * (in.latents.size(3) / p[1]) * (in.latents.size(4) / p[2]);
  std::int64_t keys = tokens + in.text_context.size(1);
  std::int64_t scores = 2;
  if (in.clip_feature.defined()) {
    keys += in.clip_feature.size(1);
    scores = 3;
  }
  length += static_cast<double>(config.num_layers * (scores * config.head_dim() + keys));
  return length;
}

// Bound on the difference of two float evaluations of the forward pass on
// `in` whose products are cut differently (token chunks, batch rows, thread
// counts): every sum along the way may round differently, by at most about
// its length times eps of the values' scale, and in the worst case the errors
// add up (rounding_tolerance with dit_reduction_length). The blocks normalise
// their inputs, so an error passes through them at about its relative size:
// the scale is the output's, max |out|.
inline double dit_forward_tolerance(const wan::DitConfig& config, const wan::DitInputs& in,
                                    const at::Tensor& out) {
  return rounding_tolerance(out.scalar_type(), dit_reduction_length(config, in), max_abs(out));
}

}  // namespace animate::testing
