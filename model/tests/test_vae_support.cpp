#include "test_vae_support.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace animate::wan::testing {

namespace {

// The products each output of a conv weight [out, in, kernel...] sums. (Not
// test_tolerance.h's fan_in: bench_vae builds this file without gtest.)
std::int64_t fan_in_of(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) n *= shape[i];
  return n;
}

}  // namespace

VaeConfig tiny_vae_config(std::int64_t dim) {
  VaeConfig config = VaeConfig::wan21();
  config.dim = dim;
  return config;
}

VaeWeights random_vae_weights(const VaeConfig& config, std::uint64_t seed, at::ScalarType dtype) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  VaeWeights weights;
  visit_vae_parameters(
      weights, config,
      [&](const std::string& name, at::Tensor& tensor, const std::vector<std::int64_t>& shape) {
        const bool is_gain = name.size() > 6 && name.compare(name.size() - 6, 6, ".gamma") == 0;
        const bool is_bias = name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
        at::Tensor values = at::randn(shape, generator, at::kFloat);
        if (is_gain) {
          values = values.mul_(0.1).add_(1.0);
        } else if (is_bias) {
          values = values.mul_(0.05);
        } else {
          values = values.mul_(1.0 / std::sqrt(static_cast<double>(fan_in_of(shape))));
        }
        tensor = values.to(dtype);
      });
  return weights;
}

double vae_decode_reduction_length(const VaeConfig& config, std::int64_t cells) {
  double length = 0.0;
  VaeWeights shapes;
  visit_vae_parameters(
      shapes, config,
      [&](const std::string& name, at::Tensor&, const std::vector<std::int64_t>& shape) {
        const bool on_path = name.rfind("decoder.", 0) == 0 || name == "conv2.weight";
        const std::string suffix = ".weight";
        const bool weight = name.size() > suffix.size() &&
                            name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
        if (!on_path || !weight) return;
        length += static_cast<double>(fan_in_of(shape));
        if (name == "decoder.middle.1.to_qkv.weight") {
          length += static_cast<double>(shape[1] + cells);  // scores over channels, sums over cells
        }
      });
  return length;
}

io::NamedTensors vae_weights_as_named(VaeWeights weights, const VaeConfig& config,
                                      const std::string& prefix) {
  io::NamedTensors named;
  visit_vae_parameters(
      weights, config,
      [&](const std::string& name, at::Tensor& tensor, const std::vector<std::int64_t>&) {
        named.emplace_back(prefix + name, tensor);
      });
  return named;
}

}  // namespace animate::wan::testing
