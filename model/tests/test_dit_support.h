#pragma once
// Helpers for the DiT tests: an in-memory TensorSource and tiny random models.
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

#include "model/io/error.h"
#include "model/io/tensor_source.h"
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

}  // namespace animate::testing
