#include "model/wan/dit_weights.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <utility>

#include "model/io/error.h"

namespace animate::wan {

namespace {

using Shape = std::vector<std::int64_t>;

std::string shape_string(const Shape& shape) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

std::string config_summary(const DitConfig& c) {
  std::ostringstream out;
  out << "model_type=" << c.model_type << ", dim=" << c.dim << ", ffn_dim=" << c.ffn_dim
      << ", num_heads=" << c.num_heads << ", num_layers=" << c.num_layers << ", in_dim=" << c.in_dim
      << ", out_dim=" << c.out_dim << ", text_dim=" << c.text_dim << ", freq_dim=" << c.freq_dim
      << ", clip_dim=" << c.clip_dim;
  return out.str();
}

void visit_linear(const std::string& name, LinearWeights& linear, std::int64_t in, std::int64_t out,
                  const DitParameterVisitor& visit) {
  visit(name + ".weight", linear.weight, {out, in});
  visit(name + ".bias", linear.bias, {out});
}

void visit_norm(const std::string& name, AffineNormWeights& norm, std::int64_t width,
                const DitParameterVisitor& visit) {
  visit(name + ".weight", norm.weight, {width});
  visit(name + ".bias", norm.bias, {width});
}

}  // namespace

void visit_dit_parameters(DitWeights& w, const DitConfig& c, const DitParameterVisitor& visit) {
  const std::int64_t dim = c.dim;
  visit("patch_embedding.weight", w.patch_embedding_weight,
        {dim, c.in_dim, c.patch_size[0], c.patch_size[1], c.patch_size[2]});
  visit("patch_embedding.bias", w.patch_embedding_bias, {dim});
  visit_linear("text_embedding.0", w.text_embedding_0, c.text_dim, dim, visit);
  visit_linear("text_embedding.2", w.text_embedding_2, dim, dim, visit);
  visit_linear("time_embedding.0", w.time_embedding_0, c.freq_dim, dim, visit);
  visit_linear("time_embedding.2", w.time_embedding_2, dim, dim, visit);
  visit_linear("time_projection.1", w.time_projection, dim, 6 * dim, visit);
  if (c.has_image_input()) {
    visit_norm("img_emb.proj.0", w.img_norm_in, c.clip_dim, visit);
    visit_linear("img_emb.proj.1", w.img_proj_1, c.clip_dim, c.clip_dim, visit);
    visit_linear("img_emb.proj.3", w.img_proj_3, c.clip_dim, dim, visit);
    visit_norm("img_emb.proj.4", w.img_norm_out, dim, visit);
  }
  w.blocks.resize(static_cast<std::size_t>(c.num_layers));
  for (std::int64_t i = 0; i < c.num_layers; ++i) {
    DitBlockWeights& b = w.blocks[static_cast<std::size_t>(i)];
    const std::string p = "blocks." + std::to_string(i) + ".";
    visit(p + "modulation", b.modulation, {1, 6, dim});
    visit_linear(p + "self_attn.q", b.self_q, dim, dim, visit);
    visit_linear(p + "self_attn.k", b.self_k, dim, dim, visit);
    visit_linear(p + "self_attn.v", b.self_v, dim, dim, visit);
    visit_linear(p + "self_attn.o", b.self_o, dim, dim, visit);
    if (c.qk_norm) {
      visit(p + "self_attn.norm_q.weight", b.self_norm_q, {dim});
      visit(p + "self_attn.norm_k.weight", b.self_norm_k, {dim});
    }
    visit_linear(p + "cross_attn.q", b.cross_q, dim, dim, visit);
    visit_linear(p + "cross_attn.k", b.cross_k, dim, dim, visit);
    visit_linear(p + "cross_attn.v", b.cross_v, dim, dim, visit);
    visit_linear(p + "cross_attn.o", b.cross_o, dim, dim, visit);
    if (c.qk_norm) {
      visit(p + "cross_attn.norm_q.weight", b.cross_norm_q, {dim});
      visit(p + "cross_attn.norm_k.weight", b.cross_norm_k, {dim});
    }
    if (c.has_image_input()) {
      visit_linear(p + "cross_attn.k_img", b.cross_k_img, dim, dim, visit);
      visit_linear(p + "cross_attn.v_img", b.cross_v_img, dim, dim, visit);
      if (c.qk_norm) visit(p + "cross_attn.norm_k_img.weight", b.cross_norm_k_img, {dim});
    }
    if (c.cross_attn_norm) visit_norm(p + "norm3", b.norm3, dim, visit);
    visit_linear(p + "ffn.0", b.ffn_in, dim, c.ffn_dim, visit);
    visit_linear(p + "ffn.2", b.ffn_out, c.ffn_dim, dim, visit);
  }
  visit_linear("head.head", w.head, dim, c.patch_volume() * c.out_dim, visit);
  visit("head.modulation", w.head_modulation, {1, 2, dim});
}

DitWeights load_dit_weights(const io::TensorSource& source, const DitConfig& config,
                            const DitLoadOptions& options) {
  config.validate();
  const std::string origin = source.origin();

  // Official names, or the same names under a ComfyUI-style prefix.
  std::string prefix;
  for (const char* candidate : {"", "model.diffusion_model.", "diffusion_model."}) {
    if (source.contains(std::string(candidate) + "patch_embedding.weight")) {
      prefix = candidate;
      break;
    }
  }

  // Pass 1: names, then shapes and dtypes, all before any conversion, so a
  // contradicting checkpoint fails fast and with every missing name at once.
  DitWeights weights;
  std::vector<std::string> missing;
  visit_dit_parameters(weights, config, [&](const std::string& name, at::Tensor&, const Shape&) {
    if (!source.contains(prefix + name)) missing.push_back(prefix + name);
  });
  if (!missing.empty()) {
    std::ostringstream msg;
    msg << "DiT checkpoint lacks " << missing.size() << " tensor(s) the config ("
        << config_summary(config) << ") needs: ";
    const std::size_t shown = std::min<std::size_t>(missing.size(), 20);
    for (std::size_t i = 0; i < shown; ++i) msg << (i ? ", " : "") << missing[i];
    if (shown < missing.size()) msg << ", ... (" << missing.size() - shown << " more)";
    throw io::ContentError(io::describe(origin, msg.str()));
  }
  const std::string extra_block =
      prefix + "blocks." + std::to_string(config.num_layers) + ".modulation";
  if (source.contains(extra_block)) {
    throw io::ContentError(io::describe(origin, "DiT checkpoint has more blocks than num_layers=" +
                                                    std::to_string(config.num_layers) + " (found " +
                                                    extra_block + ")"));
  }
  if (!config.has_image_input() && source.contains(prefix + "img_emb.proj.1.weight")) {
    throw io::ContentError(io::describe(
        origin, "DiT checkpoint has image-input weights (img_emb.*) but model_type is '" +
                    config.model_type + "'"));
  }

  visit_dit_parameters(
      weights, config, [&](const std::string& name, at::Tensor& slot, const Shape& shape) {
        at::Tensor stored = source.tensor(prefix + name);
        const Shape actual(stored.sizes().begin(), stored.sizes().end());
        if (actual != shape) {
          throw io::ContentError(io::describe(
              origin, "tensor '" + prefix + name + "' has shape " + shape_string(actual) +
                          " but the config (" + config_summary(config) + ") expects " +
                          shape_string(shape)));
        }
        if (!stored.is_floating_point()) {
          throw io::ContentError(
              io::describe(origin, "tensor '" + prefix + name + "' has dtype " +
                                       std::string(c10::toString(stored.scalar_type())) +
                                       ", expected a floating-point type"));
        }
        slot = std::move(stored);
      });

  // Pass 2: conversion. Tensors already in the target dtype and device stay
  // zero-copy views of the checkpoint; nothing ever writes into them.
  visit_dit_parameters(weights, config, [&](const std::string&, at::Tensor& slot, const Shape&) {
    slot = slot.to(options.device, options.dtype).contiguous();
  });
  return weights;
}

DitWeights make_random_dit_weights(const DitConfig& config, const DitLoadOptions& options,
                                   std::uint64_t seed) {
  config.validate();
  at::Generator gen = at::detail::createCPUGenerator(seed);
  DitWeights weights;
  visit_dit_parameters(
      weights, config, [&](const std::string& name, at::Tensor& slot, const Shape& shape) {
        // Generated in float32 on the CPU one tensor at a time, so the peak is the
        // converted model plus its largest tensor.
        at::Tensor t = at::randn(shape, gen, at::TensorOptions().dtype(at::kFloat));
        const bool is_norm = name.find("norm") != std::string::npos ||
                             name.find("img_emb.proj.0") != std::string::npos ||
                             name.find("img_emb.proj.4") != std::string::npos;
        const bool is_bias = name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
        if (is_norm && !is_bias) {
          t.mul_(0.1).add_(1.0);
        } else if (is_bias || name.find("modulation") != std::string::npos) {
          t.mul_(0.05);
        } else {
          // Fan-in scaling keeps every layer's output near unit variance.
          std::int64_t fan_in = 1;
          for (std::size_t i = 1; i < shape.size(); ++i) fan_in *= shape[i];
          t.mul_(1.0 / std::sqrt(static_cast<double>(fan_in)));
        }
        slot = t.to(options.device, options.dtype).contiguous();
      });
  return weights;
}

}  // namespace animate::wan
