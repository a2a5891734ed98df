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

// The summed reduction length of a decode (the 1x1x1 conv2, then the decoder)
// of `cells` latent cells (height x width): the fan-in of every conv on the
// way (each output sums in channels x kernel volume products) plus the middle
// attention's sums (its channels per score, `cells` positions per output).
// With animate::testing::rounding_tolerance (model/tests/test_tolerance.h) it
// bounds how far two float decodes that cut their sums differently (tiles,
// views, kernels) may drift apart.
double vae_decode_reduction_length(const VaeConfig& config, std::int64_t cells);

}  // namespace animate::wan::testing
