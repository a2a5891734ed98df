#pragma once
// The Wan2.1 diffusion transformer (DiT) for image-to-video, as run by
// UniAnimate-DiT: patch tokens (+ optional pose tokens), 3-D RoPE self-attention,
// cross-attention to text and CLIP image tokens, timestep modulation, head and
// unpatchify. Weights are plain tensors; no autograd, no torch::nn modules.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "model/io/tensor_source.h"
#include "model/wan/attention.h"
#include "model/wan/dit_config.h"
#include "model/wan/dit_weights.h"
#include "model/wan/rope.h"

namespace animate::wan {

// One DiT call. Tensors may be of any floating dtype/device; they are moved to
// the model's compute dtype and device.
struct DitInputs {
  at::Tensor latents;        // x [B, C, F, H, W] (noisy latent, 16 channels)
  at::Tensor timestep;       // [B] or [1], float (sigma * 1000, used as given)
  at::Tensor text_context;   // [B, Ltxt, text_dim] (umT5 output, padding rows zero)
  at::Tensor clip_feature;   // [B, Nimg, clip_dim] (i2v only)
  at::Tensor y;              // [B, in_dim - C, F, H, W] (i2v only: mask + ref latent)
  at::Tensor add_condition;  // optional [B or 1, L, dim]: pose tokens added to patch tokens
};

// Buffers reused by every block of one call (defined in dit.cpp).
struct DitScratch;

// Everything computed once per call before the block stack. A call (its
// scratch buffers) is used by one thread at a time.
struct DitCall {
  at::Tensor time_embedding;   // e [B, dim]
  at::Tensor time_modulation;  // t_mod [B, 6, dim] (the TeaCache indicator)
  at::Tensor text_context;     // [B, Ltxt, dim]
  at::Tensor image_context;    // [B, Nimg, dim] (undefined for t2v)
  at::Tensor tokens;           // [B, L, dim] patch tokens (+ add_condition): block-stack input
  TokenGrid grid;
  std::shared_ptr<const RopeTable> rope;
  // Large activations reused across blocks: a fresh allocation of tens of MB
  // is page-faulted in on every use. Null is allowed (blocks allocate).
  std::shared_ptr<DitScratch> scratch;
};

class WanDiT {
 public:
  // Loads and checks the weights (see load_dit_weights) for `config`.
  static WanDiT load(const io::TensorSource& source, const DitConfig& config,
                     const DitLoadOptions& options = {});
  WanDiT(DitConfig config, DitWeights weights, const DitLoadOptions& options);

  const DitConfig& config() const { return config_; }
  at::ScalarType dtype() const { return dtype_; }
  c10::Device device() const { return device_; }

  // Velocity prediction [B, out_dim, F, H, W] in the compute dtype.
  at::Tensor forward(const DitInputs& inputs) const;

  // ---- The forward pass in pieces (TeaCache, diagnostics) ----
  // Throws std::invalid_argument naming the input and both shapes; run by prepare().
  void validate(const DitInputs& inputs) const;
  DitCall prepare(const DitInputs& inputs) const;
  // Runs block `index` on `tokens` in place.
  void run_block(std::int64_t index, at::Tensor& tokens, const DitCall& call) const;
  // Runs all blocks on `tokens` in place.
  void run_blocks(at::Tensor& tokens, const DitCall& call) const;
  // Head before unpatchify: [B, L, prod(patch) * out_dim].
  at::Tensor head(const at::Tensor& tokens, const DitCall& call) const;
  at::Tensor unpatchify(const at::Tensor& head_out, const TokenGrid& grid) const;

  // Embeddings, exposed for tests and diagnostics.
  std::pair<at::Tensor, at::Tensor> embed_time(const at::Tensor& timestep) const;  // {e, t_mod}
  at::Tensor embed_text(const at::Tensor& context) const;
  at::Tensor embed_image(const at::Tensor& clip_feature) const;

  // Every parameter by checkpoint name (for LoRA merging). Replacing a tensor
  // is allowed; it must keep its shape, dtype and device.
  void for_each_parameter(
      const std::function<void(const std::string& name, at::Tensor& tensor)>& fn);
  // Throws std::invalid_argument for an unknown name.
  at::Tensor& parameter(const std::string& name);

  // Tokens processed per FFN chunk (bounds the [tokens, ffn_dim] activation);
  // 0 = all; negative = automatic (the default): equal chunks of at most
  // kFfnChunkElements / ffn_dim tokens.
  void set_ffn_token_chunk(std::int64_t tokens) { ffn_token_chunk_ = tokens; }
  // 2^25 hidden activations (128 MiB float32): large enough that the FFN
  // GEMMs run at full rate, small enough to bound the peak memory.
  static constexpr std::int64_t kFfnChunkElements = std::int64_t{1} << 25;
  // Attention scores computed at once (query rows x keys x heads); 0 = default.
  void set_attention_chunk(std::int64_t score_elements) { attention_chunk_ = score_elements; }
  // Which attention implementation runs (attention.h); kAuto by default.
  void set_attention_kernel(AttentionKernel kernel) { attention_kernel_ = kernel; }

 private:
  // `x` (the normed tokens) is taken by value and released once projected.
  at::Tensor self_attention(const DitBlockWeights& w, at::Tensor x, const DitCall& call) const;
  at::Tensor cross_attention(const DitBlockWeights& w, at::Tensor x, const DitCall& call) const;
  at::Tensor patchify(const at::Tensor& latents, const at::Tensor& y, TokenGrid& grid) const;
  at::Tensor to_compute(const at::Tensor& t) const;

  DitConfig config_;
  DitWeights weights_;
  at::ScalarType dtype_;
  c10::Device device_;
  std::int64_t ffn_token_chunk_ = -1;
  std::int64_t attention_chunk_ = 0;
  AttentionKernel attention_kernel_ = AttentionKernel::kAuto;
  // Shared so a WanDiT stays movable (the cache holds a mutex).
  std::shared_ptr<RopeCache> rope_cache_;
};

// sin/cos timestep embedding [B, dim] in float64: [cos(t f_j) ..., sin(t f_j) ...]
// with f_j = 10000^(-j / (dim/2)).
at::Tensor sinusoidal_embedding(const at::Tensor& timestep, std::int64_t dim);

}  // namespace animate::wan
