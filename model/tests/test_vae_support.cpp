#include "test_vae_support.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace animate::wan::testing {

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
          std::int64_t fan_in = 1;
          for (std::size_t i = 1; i < shape.size(); ++i) fan_in *= shape[i];
          values = values.mul_(1.0 / std::sqrt(static_cast<double>(fan_in)));
        }
        tensor = values.to(dtype);
      });
  return weights;
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
