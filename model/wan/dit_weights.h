#pragma once
// Parameters of a Wan2.1 DiT as plain tensors, named and shaped exactly like
// the official checkpoints (diffusion_pytorch_model*.safetensors).
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/io/tensor_source.h"
#include "model/wan/dit_config.h"

namespace animate::wan {

struct LinearWeights {
  at::Tensor weight;  // [out, in]
  at::Tensor bias;    // [out]
};

struct AffineNormWeights {
  at::Tensor weight;
  at::Tensor bias;
};

struct DitBlockWeights {
  at::Tensor modulation;  // [1, 6, dim]
  LinearWeights self_q, self_k, self_v, self_o;
  at::Tensor self_norm_q, self_norm_k;  // RMSNorm weights; undefined without qk_norm
  LinearWeights cross_q, cross_k, cross_v, cross_o;
  LinearWeights cross_k_img, cross_v_img;  // i2v only
  at::Tensor cross_norm_q, cross_norm_k, cross_norm_k_img;
  AffineNormWeights norm3;  // undefined without cross_attn_norm
  LinearWeights ffn_in, ffn_out;
};

struct DitWeights {
  at::Tensor patch_embedding_weight;  // [dim, in_dim, pt, ph, pw]
  at::Tensor patch_embedding_bias;    // [dim]
  LinearWeights text_embedding_0, text_embedding_2;
  LinearWeights time_embedding_0, time_embedding_2;
  LinearWeights time_projection;  // [6*dim, dim]
  // img_emb.proj.{0,1,3,4}: LayerNorm, Linear, GELU, Linear, LayerNorm (i2v only).
  AffineNormWeights img_norm_in;
  LinearWeights img_proj_1, img_proj_3;
  AffineNormWeights img_norm_out;
  std::vector<DitBlockWeights> blocks;
  LinearWeights head;          // [prod(patch) * out_dim, dim]
  at::Tensor head_modulation;  // [1, 2, dim]
};

// Called for every parameter the configuration needs, with its checkpoint name
// and the shape the configuration implies.
using DitParameterVisitor = std::function<void(const std::string& name, at::Tensor& tensor,
                                               const std::vector<std::int64_t>& shape)>;

// Walks `weights` in checkpoint order for `config` (sizes `blocks` to num_layers).
void visit_dit_parameters(DitWeights& weights, const DitConfig& config,
                          const DitParameterVisitor& visit);

struct DitLoadOptions {
  at::ScalarType dtype = at::kFloat;  // compute dtype (float32, bfloat16, float16)
  c10::Device device{c10::kCPU};
};

// Reads every parameter from `source` (official names, optionally under a
// "model.diffusion_model." or "diffusion_model." prefix, detected
// automatically), checks names and shapes against `config` before converting
// anything, and converts to options.dtype on options.device. Throws
// io::ContentError listing missing tensors, or naming a tensor whose shape or
// dtype contradicts the configuration (with both shapes).
DitWeights load_dit_weights(const io::TensorSource& source, const DitConfig& config,
                            const DitLoadOptions& options = {});

// Random weights of the right names and shapes for `config`, already in
// options.dtype on options.device (benchmarks and tests need no checkpoint).
// Linear weights are N(0, 1/in), biases and modulations small, norm weights
// near 1, so activations stay O(1) through any number of blocks. The same
// seed gives the same float32 values before conversion, whatever the dtype,
// so an f32 and a bf16 model built with one seed are the same model.
DitWeights make_random_dit_weights(const DitConfig& config, const DitLoadOptions& options = {},
                                   std::uint64_t seed = 0);

}  // namespace animate::wan
