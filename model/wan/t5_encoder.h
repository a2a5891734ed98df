#pragma once
// The umT5 encoder Wan2.1 encodes prompts with (official Wan / DiffSynth
// WanTextEncoder semantics): token embedding without scaling; per block
// x += o(attn(rms1(x))) with the block's own relative position bias and no
// 1/sqrt(d) scaling, x += fc2(fc1(rms2(x)) * gelu_tanh(gate(rms2(x)))); final
// RMS norm. Padded key positions are masked with the dtype's lowest value.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>
#include <vector>

#include "model/io/checkpoint_view.h"
#include "model/wan/t5_config.h"

namespace animate::wan {

struct T5EncoderOptions {
  // Compute dtype: float32 (parity tests), bfloat16 (the reference's
  // inference dtype and the stored one: no conversion on load), float16.
  // RMS norms and the softmax run in float32 whatever this is.
  at::ScalarType dtype = at::kFloat;
  c10::Device device{c10::kCPU};
};

class T5Encoder {
 public:
  // Loads every tensor of `config.parameter_names()` from `weights` (official
  // names), checking all shapes before converting any. Throws
  // io::ContentError listing missing tensors or naming the tensor and both
  // shapes on a mismatch, std::invalid_argument for an invalid config/dtype.
  static T5Encoder load(const io::CheckpointView& weights, const T5EncoderConfig& config,
                        const T5EncoderOptions& options = {});

  // The module's output: hidden states [B, L, dim] in the compute dtype for
  // ids [B, L] and mask [B, L] (nonzero = real token incl. </s>). Padded
  // query rows are computed like any other row; only padded keys are masked.
  // Throws std::invalid_argument for mismatched shapes or ids out of range.
  at::Tensor forward(const at::Tensor& ids, const at::Tensor& mask) const;

  // What the pipeline conditions on (DiffSynth WanPrompter.encode_prompt):
  // forward() with rows >= seq_len (the number of mask ones) set to zero, per
  // batch item. When a mask is a prefix of ones, only its first seq_len
  // positions are encoded: masked keys contribute exactly zero attention, so
  // the kept rows are the same while the cost drops from L to seq_len tokens.
  at::Tensor encode_context(const at::Tensor& ids, const at::Tensor& mask) const;

  const T5EncoderConfig& config() const { return config_; }
  const T5EncoderOptions& options() const { return options_; }

 private:
  struct Block {
    at::Tensor norm1, norm2;  // [dim]
    at::Tensor q, k, v, o;    // [dim_attn, dim] / [dim, dim_attn]
    at::Tensor gate, fc1, fc2;
    at::Tensor pos_embedding;  // [num_buckets, heads]; undefined when shared
  };

  at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight) const;
  at::Tensor position_bias(const at::Tensor& table, std::int64_t length) const;
  at::Tensor attention(const at::Tensor& x, const at::Tensor& bias, const Block& block) const;
  at::Tensor feed_forward(const at::Tensor& x, const Block& block) const;
  at::Tensor residual(const at::Tensor& x, const at::Tensor& update) const;

  T5EncoderConfig config_;
  T5EncoderOptions options_;
  at::Tensor token_embedding_;  // [vocab, dim]
  at::Tensor shared_pos_embedding_;
  std::vector<Block> blocks_;
  at::Tensor final_norm_;
};

}  // namespace animate::wan
