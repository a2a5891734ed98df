#include "model/wan/t5_encoder.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "model/cpu/parallel_gemm.h"
#include "model/io/error.h"
#include "model/wan/t5_relative_position.h"

namespace animate::wan {
namespace {

bool is_float_dtype(at::ScalarType dtype) {
  return dtype == at::kFloat || dtype == at::kBFloat16 || dtype == at::kHalf ||
         dtype == at::kDouble;
}

// torch.finfo(dtype).min: what the reference writes into masked key positions.
double lowest_value(at::ScalarType dtype) {
  switch (dtype) {
    case at::kHalf: return static_cast<double>(std::numeric_limits<c10::Half>::lowest());
    case at::kBFloat16: return static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest());
    case at::kDouble: return std::numeric_limits<double>::lowest();
    default: return static_cast<double>(std::numeric_limits<float>::lowest());
  }
}

// The reference's explicit tanh-approximated GELU, operation by operation,
// so that bfloat16/float16 runs round every intermediate as it does (a fused
// at::gelu(x, "tanh") rounds once and drifts from it in half precision).
at::Tensor gelu_tanh(const at::Tensor& x) {
  const double sqrt_2_over_pi = std::sqrt(2.0 / 3.14159265358979323846);
  const at::Tensor inner = (x + at::pow(x, 3.0).mul(0.044715)).mul(sqrt_2_over_pi);
  return x.mul(0.5) * (at::tanh(inner) + 1.0);
}

std::string block_prefix(std::int64_t index) {
  return "blocks." + std::to_string(index) + ".";
}

void check_inputs(const at::Tensor& ids, const at::Tensor& mask) {
  if (!ids.defined() || ids.dim() != 2) {
    throw std::invalid_argument("T5Encoder: ids must be [B, L]");
  }
  if (!mask.defined() || mask.sizes() != ids.sizes()) {
    throw std::invalid_argument("T5Encoder: mask must have the shape of ids [B, L]");
  }
  if (ids.size(0) < 1 || ids.size(1) < 1) {
    throw std::invalid_argument("T5Encoder: empty batch or sequence");
  }
}

}  // namespace

T5Encoder T5Encoder::load(const io::CheckpointView& weights, const T5EncoderConfig& config,
                          const T5EncoderOptions& options) {
  config.validate();
  if (!is_float_dtype(options.dtype)) {
    throw std::invalid_argument("T5Encoder: compute dtype must be a floating type");
  }
  const auto names = config.parameter_names();
  weights.require(names, "umT5 encoder");
  const std::int64_t d = config.dim;
  const std::int64_t a = config.dim_attn;
  const std::int64_t f = config.dim_ffn;
  const std::vector<std::int64_t> pos_shape = {config.num_buckets, config.num_heads};
  // Check every shape before converting anything (conversion of the real
  // 11 GB file takes a while; a mismatch should fail fast).
  auto expected_shape = [&](const std::string& name) -> std::vector<std::int64_t> {
    auto ends_with = [&](const char* suffix) {
      const std::string s(suffix);
      return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    if (name == "token_embedding.weight") return {config.vocab, d};
    if (ends_with("pos_embedding.embedding.weight")) return pos_shape;
    if (ends_with("norm1.weight") || ends_with("norm2.weight") || name == "norm.weight") return {d};
    if (ends_with("attn.o.weight")) return {d, a};
    if (ends_with(".attn.q.weight") || ends_with(".attn.k.weight") || ends_with(".attn.v.weight")) {
      return {a, d};
    }
    if (ends_with("ffn.fc2.weight")) return {d, f};
    return {f, d};  // ffn.gate.0, ffn.fc1
  };
  for (const auto& name : names) {
    (void)weights.get_checked(name, expected_shape(name));
  }
  auto get = [&](const std::string& name) {
    return weights.get_checked(name, expected_shape(name), options.dtype, options.device);
  };

  T5Encoder encoder;
  encoder.config_ = config;
  encoder.options_ = options;
  encoder.token_embedding_ = get("token_embedding.weight");
  if (config.shared_pos) encoder.shared_pos_embedding_ = get("pos_embedding.embedding.weight");
  encoder.blocks_.reserve(config.num_layers);
  for (std::int64_t i = 0; i < config.num_layers; ++i) {
    const std::string p = block_prefix(i);
    Block block;
    block.norm1 = get(p + "norm1.weight");
    block.q = get(p + "attn.q.weight");
    block.k = get(p + "attn.k.weight");
    block.v = get(p + "attn.v.weight");
    block.o = get(p + "attn.o.weight");
    block.norm2 = get(p + "norm2.weight");
    block.gate = get(p + "ffn.gate.0.weight");
    block.fc1 = get(p + "ffn.fc1.weight");
    block.fc2 = get(p + "ffn.fc2.weight");
    if (!config.shared_pos) block.pos_embedding = get(p + "pos_embedding.embedding.weight");
    encoder.blocks_.push_back(std::move(block));
  }
  encoder.final_norm_ = get("norm.weight");
  return encoder;
}

at::Tensor T5Encoder::rms_norm(const at::Tensor& x, const at::Tensor& weight) const {
  // T5 layer norm: no mean subtraction, no bias; statistics in float32, the
  // normalised value cast to a half-precision weight's dtype before scaling.
  const at::Tensor xf = x.to(at::kFloat);
  at::Tensor y = xf * at::rsqrt(xf.pow(2).mean({-1}, /*keepdim=*/true) + config_.eps);
  if (weight.scalar_type() == at::kHalf || weight.scalar_type() == at::kBFloat16) {
    y = y.to(weight.scalar_type());
  }
  return (weight * y).to(options_.dtype);
}

at::Tensor T5Encoder::position_bias(const at::Tensor& table, std::int64_t length) const {
  const at::Tensor buckets =
      relative_position_buckets(length, length, config_.num_buckets, config_.max_distance)
          .to(table.device());
  // [L, L, heads] -> [1, heads, L, L]
  return at::embedding(table, buckets).permute({2, 0, 1}).unsqueeze(0);
}

at::Tensor T5Encoder::attention(const at::Tensor& x, const at::Tensor& bias,
                                const Block& block) const {
  const std::int64_t batch = x.size(0);
  const std::int64_t length = x.size(1);
  const std::int64_t heads = config_.num_heads;
  const std::int64_t head_dim = config_.head_dim();
  auto split = [&](const at::Tensor& w) {
    return cpu::linear(x, w).view({batch, length, heads, head_dim}).transpose(1, 2);
  };
  const at::Tensor q = split(block.q);
  const at::Tensor k = split(block.k);
  const at::Tensor v = split(block.v);
  // T5: no 1/sqrt(d) scaling (it is folded into the trained weights).
  const at::Tensor logits = at::matmul(q, k.transpose(-2, -1)) + bias;
  const at::Tensor probs = at::softmax(logits.to(at::kFloat), -1).to(logits.scalar_type());
  const at::Tensor out = at::matmul(probs, v).transpose(1, 2).reshape({batch, length, -1});
  return cpu::linear(out, block.o);
}

at::Tensor T5Encoder::feed_forward(const at::Tensor& x, const Block& block) const {
  const at::Tensor gate = gelu_tanh(cpu::linear(x, block.gate));
  return cpu::linear(cpu::linear(x, block.fc1) * gate, block.fc2);
}

at::Tensor T5Encoder::residual(const at::Tensor& x, const at::Tensor& update) const {
  at::Tensor sum = x + update;
  // The reference keeps float16 activations finite by clamping after an
  // overflow; bfloat16 and float32 have the range and are left alone.
  if (sum.scalar_type() == at::kHalf && at::isinf(sum).any().item<bool>()) {
    const double limit = static_cast<double>(std::numeric_limits<c10::Half>::max()) - 1000.0;
    sum = at::clamp(sum, -limit, limit);
  }
  return sum;
}

at::Tensor T5Encoder::forward(const at::Tensor& ids_in, const at::Tensor& mask_in) const {
  check_inputs(ids_in, mask_in);
  at::NoGradGuard no_grad;
  const at::Tensor ids = ids_in.to(options_.device, at::kLong);
  const at::Tensor mask = mask_in.to(options_.device);
  const auto id_min = ids.min().item<std::int64_t>();
  const auto id_max = ids.max().item<std::int64_t>();
  if (id_min < 0 || id_max >= config_.vocab) {
    throw std::invalid_argument(
        "T5Encoder: token id " + std::to_string(id_min < 0 ? id_min : id_max) +
        " outside the vocabulary [0, " + std::to_string(config_.vocab) + ")");
  }
  const std::int64_t batch = ids.size(0);
  const std::int64_t length = ids.size(1);
  const auto dtype = options_.dtype;
  // Padded keys: the bias is overwritten (not added to) with the lowest value.
  const at::Tensor padded_keys = mask.eq(0).view({batch, 1, 1, length});
  const double lowest = lowest_value(dtype);
  auto full_bias = [&](const at::Tensor& table) {
    return position_bias(table, length)
        .expand({batch, -1, -1, -1})
        .masked_fill(padded_keys, lowest);
  };
  at::Tensor shared_bias;
  if (config_.shared_pos) shared_bias = full_bias(shared_pos_embedding_);

  at::Tensor x = at::embedding(token_embedding_, ids);
  for (const Block& block : blocks_) {
    const at::Tensor bias = config_.shared_pos ? shared_bias : full_bias(block.pos_embedding);
    x = residual(x, attention(rms_norm(x, block.norm1), bias, block));
    x = residual(x, feed_forward(rms_norm(x, block.norm2), block));
  }
  return rms_norm(x, final_norm_);
}

at::Tensor T5Encoder::encode_context(const at::Tensor& ids, const at::Tensor& mask) const {
  check_inputs(ids, mask);
  at::NoGradGuard no_grad;
  const std::int64_t batch = ids.size(0);
  const std::int64_t length = ids.size(1);
  const at::Tensor present = mask.to(at::kCPU).ne(0);
  at::Tensor context = at::zeros({batch, length, config_.dim},
                                 at::TensorOptions(options_.dtype).device(options_.device));
  for (std::int64_t b = 0; b < batch; ++b) {
    const at::Tensor row = present[b];
    const std::int64_t seq_len = row.sum().item<std::int64_t>();
    if (seq_len == 0) continue;  // every row >= 0 is zeroed
    const bool prefix = row.slice(0, 0, seq_len).all().item<bool>();
    const at::Tensor item_ids = ids.slice(0, b, b + 1);
    const at::Tensor item_mask = mask.slice(0, b, b + 1);
    at::Tensor hidden = prefix
                            ? forward(item_ids.slice(1, 0, seq_len), item_mask.slice(1, 0, seq_len))
                            : forward(item_ids, item_mask).slice(1, 0, seq_len);
    context[b].slice(0, 0, seq_len).copy_(hidden[0]);
  }
  return context;
}

}  // namespace animate::wan
