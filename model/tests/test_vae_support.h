#pragma once
// Tiny random Wan VAEs for the VAE tests and benchmark.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "model/io/safetensors_writer.h"
#include "model/wan/vae_config.h"
#include "model/wan/vae_weights.h"

namespace animate::wan::testing {

// The Wan2.1 layout with base width `dim` (z_dim 16, the real mean/std).
VaeConfig tiny_vae_config(std::int64_t dim = 4);

// Random weights for `config`: convs ~ N(0, 1/fan_in), biases and norm gains
// near 0 and 1, so activations stay O(1) through the whole network.
VaeWeights random_vae_weights(const VaeConfig& config, std::uint64_t seed,
                              at::ScalarType dtype = at::kFloat);

// The same weights as named tensors (official checkpoint names, optional prefix).
io::NamedTensors vae_weights_as_named(VaeWeights weights, const VaeConfig& config,
                                      const std::string& prefix = "");

}  // namespace animate::wan::testing
