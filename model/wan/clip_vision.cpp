#include "model/wan/clip_vision.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <memory>
#include <stdexcept>

#include "model/cpu/parallel_gemm.h"
#include "model/io/error.h"
#include "model/io/open_checkpoint.h"

namespace animate::wan {
namespace {

bool is_float_dtype(at::ScalarType dtype) {
  return dtype == at::kFloat || dtype == at::kBFloat16 || dtype == at::kHalf ||
         dtype == at::kDouble;
}

std::string block_prefix(std::int64_t index) {
  return "transformer." + std::to_string(index) + ".";
}

// Every tensor name the forward pass reads.
std::vector<std::string> required_names(const ClipVisionConfig& config) {
  std::vector<std::string> names = {"patch_embedding.weight", "cls_embedding", "pos_embedding",
                                    "pre_norm.weight", "pre_norm.bias"};
  for (std::int64_t i = 0; i < config.run_layers(); ++i) {
    for (const char* leaf : {"norm1.weight", "norm1.bias", "attn.to_qkv.weight", "attn.to_qkv.bias",
                             "attn.proj.weight", "attn.proj.bias", "norm2.weight", "norm2.bias",
                             "mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias"}) {
      names.push_back(block_prefix(i) + leaf);
    }
  }
  return names;
}

}  // namespace

io::CheckpointView clip_visual_weights(const std::string& checkpoint_path) {
  const io::CheckpointView all({io::open_checkpoint(checkpoint_path)}, {"model."});
  io::CheckpointView visual = all.select("visual.");
  if (visual.empty()) {
    throw io::ContentError(io::describe(
        checkpoint_path, "no 'visual.*' tensors: not an open-clip XLM-R CLIP checkpoint"));
  }
  return visual;
}

ClipVisionEncoder ClipVisionEncoder::load(const io::CheckpointView& visual,
                                          const ClipVisionConfig& config,
                                          const ClipVisionOptions& options) {
  config.validate();
  if (!is_float_dtype(options.dtype)) {
    throw std::invalid_argument("ClipVisionEncoder: compute dtype must be a floating type");
  }
  visual.require(required_names(config), "CLIP vision tower");
  // The block count decides which block is "the last" that Wan skips, so a
  // checkpoint with more or fewer blocks than configured is refused.
  const std::string last = block_prefix(config.layers - 1) + "attn.to_qkv.weight";
  const std::string beyond = block_prefix(config.layers) + "attn.to_qkv.weight";
  if (!visual.contains(last) || visual.contains(beyond)) {
    throw io::ContentError(io::describe(
        visual.origin(), "CLIP vision config has " + std::to_string(config.layers) +
                             " blocks but the checkpoint " +
                             (visual.contains(beyond) ? "has more ('" + beyond + "' exists)"
                                                      : "has fewer ('" + last + "' is missing)")));
  }

  const std::int64_t w = config.width;
  const std::int64_t m = config.mlp_dim;
  const std::int64_t p = config.patch_size;
  const auto dtype = options.dtype;
  const auto device = options.device;
  auto linear = [&](const std::string& prefix, std::int64_t out, std::int64_t in) {
    return Linear{visual.get_checked(prefix + ".weight", {out, in}, dtype, device),
                  visual.get_checked(prefix + ".bias", {out}, dtype, device)};
  };
  auto norm = [&](const std::string& prefix) {
    return Norm{visual.get_checked(prefix + ".weight", {w}, at::kFloat, device),
                visual.get_checked(prefix + ".bias", {w}, at::kFloat, device)};
  };

  ClipVisionEncoder encoder;
  encoder.config_ = config;
  encoder.options_ = options;
  encoder.patch_weight_ = visual.get_checked("patch_embedding.weight", {w, 3, p, p}, dtype, device);
  encoder.cls_embedding_ = visual.get_checked("cls_embedding", {1, 1, w}, dtype, device);
  encoder.pos_embedding_ =
      visual.get_checked("pos_embedding", {1, config.tokens(), w}, dtype, device);
  encoder.pre_norm_ = norm("pre_norm");
  encoder.blocks_.reserve(config.run_layers());
  for (std::int64_t i = 0; i < config.run_layers(); ++i) {
    const std::string prefix = block_prefix(i);
    Block block;
    block.norm1 = norm(prefix + "norm1");
    block.to_qkv = linear(prefix + "attn.to_qkv", 3 * w, w);
    block.proj = linear(prefix + "attn.proj", w, w);
    block.norm2 = norm(prefix + "norm2");
    block.mlp_in = linear(prefix + "mlp.0", m, w);
    block.mlp_out = linear(prefix + "mlp.2", w, m);
    encoder.blocks_.push_back(std::move(block));
  }
  return encoder;
}

at::Tensor ClipVisionEncoder::layer_norm(const at::Tensor& x, const Norm& norm) const {
  // Computed in float32 and cast back, like the official LayerNorm subclass.
  return at::layer_norm(x.to(at::kFloat), {config_.width}, norm.weight, norm.bias, config_.eps)
      .to(x.scalar_type());
}

at::Tensor ClipVisionEncoder::attention(const at::Tensor& x, const Block& block) const {
  const std::int64_t batch = x.size(0);
  const std::int64_t length = x.size(1);
  const std::int64_t heads = config_.heads;
  const std::int64_t head_dim = config_.head_dim();
  // to_qkv packs q | k | v along the output channels, each split into heads.
  const at::Tensor qkv = cpu::linear(x, block.to_qkv.weight, block.to_qkv.bias)
                             .view({batch, length, 3, heads, head_dim})
                             .permute({2, 0, 3, 1, 4});
  const at::Tensor q = qkv[0];
  const at::Tensor k = qkv[1];
  const at::Tensor v = qkv[2];
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
  // 257 tokens: the plain matmul-softmax-matmul path is cheap and exact.
  const at::Tensor scores = at::matmul(q, k.transpose(-2, -1)).to(at::kFloat).mul(scale);
  const at::Tensor probs = at::softmax(scores, -1).to(v.scalar_type());
  const at::Tensor out = at::matmul(probs, v).transpose(1, 2).reshape({batch, length, -1});
  return cpu::linear(out, block.proj.weight, block.proj.bias);
}

at::Tensor ClipVisionEncoder::run_block(const at::Tensor& x, const Block& block) const {
  at::Tensor h = x + attention(layer_norm(x, block.norm1), block);
  const at::Tensor mlp = cpu::linear(
      at::gelu(cpu::linear(layer_norm(h, block.norm2), block.mlp_in.weight, block.mlp_in.bias)),
      block.mlp_out.weight, block.mlp_out.bias);
  return h + mlp;
}

at::Tensor ClipVisionEncoder::forward(const at::Tensor& pixels, ClipVisionTrace* trace) const {
  const std::int64_t size = config_.image_size;
  if (!pixels.defined() || pixels.dim() != 4 || pixels.size(1) != 3 || pixels.size(2) != size ||
      pixels.size(3) != size) {
    throw std::invalid_argument("ClipVisionEncoder: expected pixels [B, 3, " +
                                std::to_string(size) + ", " + std::to_string(size) + "]");
  }
  // No autograd graph (plain, not inference, tensors: callers may modify them in place).
  at::NoGradGuard no_grad;
  const at::Tensor x_in = pixels.to(options_.device, options_.dtype);
  const std::int64_t batch = x_in.size(0);
  const std::int64_t p = config_.patch_size;
  // [B, width, grid, grid] -> [B, grid * grid, width], patches in row-major order.
  at::Tensor x = at::conv2d(x_in, patch_weight_, {}, {p, p}).flatten(2).transpose(1, 2);
  x = at::cat({cls_embedding_.expand({batch, 1, config_.width}), x}, 1) + pos_embedding_;
  x = layer_norm(x, pre_norm_);
  if (trace) {
    trace->embed = x;
    trace->blocks.clear();
  }
  for (const Block& block : blocks_) {
    x = run_block(x, block);
    if (trace) trace->blocks.push_back(x);
  }
  return x;
}

}  // namespace animate::wan
