#include "model/wan/vae_weights.h"

#include <ATen/ATen.h>

#include <sstream>
#include <utility>

#include "model/io/error.h"
#include "model/io/open_checkpoint.h"
#include "model/io/shape_string.h"

namespace animate::wan {

namespace {

using io::shape_string;

using Shape = std::vector<std::int64_t>;

void visit_conv(const std::string& name, VaeConvWeights& conv, Shape weight_shape,
                const VaeParameterVisitor& visit) {
  const std::int64_t out = weight_shape.front();
  visit(name + ".weight", conv.weight, weight_shape);
  visit(name + ".bias", conv.bias, {out});
}

void visit_conv3d(const std::string& name, VaeConvWeights& conv, std::int64_t in, std::int64_t out,
                  std::int64_t kt, std::int64_t ks, const VaeParameterVisitor& visit) {
  visit_conv(name, conv, {out, in, kt, ks, ks}, visit);
}

void visit_residual(const std::string& name, VaeResidualBlockWeights& block, std::int64_t in,
                    std::int64_t out, const VaeParameterVisitor& visit) {
  visit(name + ".residual.0.gamma", block.norm1_gamma, {in, 1, 1, 1});
  visit_conv3d(name + ".residual.2", block.conv1, in, out, 3, 3, visit);
  visit(name + ".residual.3.gamma", block.norm2_gamma, {out, 1, 1, 1});
  visit_conv3d(name + ".residual.6", block.conv2, out, out, 3, 3, visit);
  if (in != out) visit_conv3d(name + ".shortcut", block.shortcut, in, out, 1, 1, visit);
}

void visit_attention(const std::string& name, VaeAttentionWeights& attn, std::int64_t width,
                     const VaeParameterVisitor& visit) {
  visit(name + ".norm.gamma", attn.norm_gamma, {width, 1, 1});
  visit_conv(name + ".to_qkv", attn.to_qkv, {3 * width, width, 1, 1}, visit);
  visit_conv(name + ".proj", attn.proj, {width, width, 1, 1}, visit);
}

void visit_resample(const std::string& name, VaeResampleWeights& resample, std::int64_t width,
                    const VaeParameterVisitor& visit) {
  switch (resample.mode) {
    case VaeResampleMode::kDownsample2d:
      visit_conv(name + ".resample.1", resample.spatial, {width, width, 3, 3}, visit);
      break;
    case VaeResampleMode::kDownsample3d:
      visit_conv(name + ".resample.1", resample.spatial, {width, width, 3, 3}, visit);
      visit_conv3d(name + ".time_conv", resample.time_conv, width, width, 3, 1, visit);
      break;
    case VaeResampleMode::kUpsample2d:
      visit_conv(name + ".resample.1", resample.spatial, {width / 2, width, 3, 3}, visit);
      break;
    case VaeResampleMode::kUpsample3d:
      visit_conv(name + ".resample.1", resample.spatial, {width / 2, width, 3, 3}, visit);
      visit_conv3d(name + ".time_conv", resample.time_conv, width, 2 * width, 3, 1, visit);
      break;
  }
}

void visit_middle(const std::string& prefix, VaeCoderWeights& coder, std::int64_t width,
                  const VaeParameterVisitor& visit) {
  visit_residual(prefix + ".middle.0", coder.middle_res1, width, width, visit);
  visit_attention(prefix + ".middle.1", coder.middle_attn, width, visit);
  visit_residual(prefix + ".middle.2", coder.middle_res2, width, width, visit);
}

void visit_head(const std::string& prefix, VaeCoderWeights& coder, std::int64_t width,
                std::int64_t out_channels, const VaeParameterVisitor& visit) {
  visit(prefix + ".head.0.gamma", coder.head_gamma, {width, 1, 1, 1});
  visit_conv3d(prefix + ".head.2", coder.head_conv, width, out_channels, 3, 3, visit);
}

void visit_encoder(VaeCoderWeights& enc, const VaeConfig& c, const VaeParameterVisitor& visit) {
  const auto widths = c.encoder_widths();
  const std::size_t levels = c.dim_mult.size();
  visit_conv3d("encoder.conv1", enc.conv1, 3, widths[0], 3, 3, visit);
  enc.stages.resize(levels);
  std::int64_t index = 0;  // running index of encoder.downsamples.*
  for (std::size_t i = 0; i < levels; ++i) {
    auto& stage = enc.stages[i];
    stage.blocks.resize(static_cast<std::size_t>(c.num_res_blocks));
    std::int64_t in = widths[i];
    const std::int64_t out = widths[i + 1];
    for (auto& block : stage.blocks) {
      visit_residual("encoder.downsamples." + std::to_string(index++), block, in, out, visit);
      in = out;
    }
    if (i + 1 < levels) {
      if (!stage.resample) stage.resample.emplace();
      stage.resample->mode = c.temperal_downsample[i] ? VaeResampleMode::kDownsample3d
                                                      : VaeResampleMode::kDownsample2d;
      visit_resample("encoder.downsamples." + std::to_string(index++), *stage.resample, out, visit);
    } else {
      stage.resample.reset();
    }
  }
  visit_middle("encoder", enc, widths.back(), visit);
  visit_head("encoder", enc, widths.back(), 2 * c.z_dim, visit);
}

void visit_decoder(VaeCoderWeights& dec, const VaeConfig& c, const VaeParameterVisitor& visit) {
  const auto widths = c.decoder_widths();
  const auto upsample_time = c.temperal_upsample();
  const std::size_t levels = c.dim_mult.size();
  visit_conv3d("decoder.conv1", dec.conv1, c.z_dim, widths[0], 3, 3, visit);
  visit_middle("decoder", dec, widths[0], visit);
  dec.stages.resize(levels);
  std::int64_t index = 0;  // running index of decoder.upsamples.*
  for (std::size_t i = 0; i < levels; ++i) {
    auto& stage = dec.stages[i];
    stage.blocks.resize(static_cast<std::size_t>(c.num_res_blocks + 1));
    // Every upsample halved the channels of the previous stage.
    std::int64_t in = i == 0 ? widths[i] : widths[i] / 2;
    const std::int64_t out = widths[i + 1];
    for (auto& block : stage.blocks) {
      visit_residual("decoder.upsamples." + std::to_string(index++), block, in, out, visit);
      in = out;
    }
    if (i + 1 < levels) {
      if (!stage.resample) stage.resample.emplace();
      stage.resample->mode =
          upsample_time[i] ? VaeResampleMode::kUpsample3d : VaeResampleMode::kUpsample2d;
      visit_resample("decoder.upsamples." + std::to_string(index++), *stage.resample, out, visit);
    } else {
      stage.resample.reset();
    }
  }
  visit_head("decoder", dec, widths.back(), 3, visit);
}

bool is_vae_key(const std::string& name) {
  for (const char* prefix : {"encoder.", "decoder.", "conv1.", "conv2."}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

void visit_vae_parameters(VaeWeights& weights, const VaeConfig& config,
                          const VaeParameterVisitor& visit) {
  config.validate();
  visit_encoder(weights.encoder, config, visit);
  const std::int64_t z2 = 2 * config.z_dim;
  visit_conv3d("conv1", weights.conv1, z2, z2, 1, 1, visit);
  visit_conv3d("conv2", weights.conv2, config.z_dim, config.z_dim, 1, 1, visit);
  visit_decoder(weights.decoder, config, visit);
}

std::vector<std::string> vae_parameter_names(const VaeConfig& config) {
  VaeWeights scratch;
  std::vector<std::string> names;
  visit_vae_parameters(scratch, config, [&](const std::string& name, at::Tensor&, const Shape&) {
    names.push_back(name);
  });
  return names;
}

io::CheckpointView open_vae_checkpoint(const std::string& path) {
  return io::CheckpointView({io::open_checkpoint(path)}, {"model."});
}

std::int64_t vae_base_width(const io::CheckpointView& view) {
  const std::string key = "encoder.conv1.weight";
  if (!view.contains(key)) {
    throw io::ContentError(io::describe(view.origin(), "not a Wan VAE checkpoint: tensor '" + key +
                                                           "' (also looked for 'model." + key +
                                                           "') is missing"));
  }
  const at::Tensor weight = view.get(key);
  if (weight.dim() != 5) {
    throw io::ContentError(io::describe(view.origin(), "tensor '" + key + "' has shape " +
                                                           shape_string(weight.sizes()) +
                                                           ", expected [dim, 3, 3, 3, 3]"));
  }
  return weight.size(0);
}

VaeWeights load_vae_weights(const io::CheckpointView& view, const VaeConfig& config,
                            const VaeLoadOptions& options) {
  config.validate();
  const std::string origin = view.origin();

  // Key set first: a wrong file or a different architecture shows up as a
  // list of names, which says more than the first shape mismatch.
  const std::vector<std::string> expected = vae_parameter_names(config);
  io::KeyReport report = view.compare(expected);
  std::vector<std::string> unexpected;
  for (auto& name : report.unexpected) {
    if (is_vae_key(name)) unexpected.push_back(std::move(name));
  }
  report.unexpected = std::move(unexpected);
  if (!report.missing.empty() || !report.unexpected.empty()) {
    std::string hint;
    if (view.contains("encoder.conv1.weight")) {
      const std::int64_t stored = vae_base_width(view);
      if (stored != config.dim) {
        hint = " (the file's base width is " + std::to_string(stored) +
               ", the configuration says dim=" + std::to_string(config.dim) + ")";
      }
    }
    throw io::ContentError(io::describe(
        origin, "Wan VAE weights do not match the configuration: " + report.summary() + hint));
  }

  const std::int64_t stored_dim = vae_base_width(view);
  if (stored_dim != config.dim) {
    throw io::ContentError(io::describe(
        origin,
        "Wan VAE base width mismatch: encoder.conv1.weight has " + std::to_string(stored_dim) +
            " output channels but the configuration says dim=" + std::to_string(config.dim)));
  }

  // Check every shape and dtype before converting anything.
  VaeWeights weights;
  visit_vae_parameters(
      weights, config, [&](const std::string& name, at::Tensor&, const Shape& shape) {
        const at::Tensor stored = view.get(name);
        if (stored.sizes() != at::IntArrayRef(shape)) {
          throw io::ContentError(io::describe(
              origin, "tensor '" + name + "' has shape " + shape_string(stored.sizes()) +
                          " but the configuration needs " + shape_string(shape)));
        }
        if (!at::isFloatingType(stored.scalar_type())) {
          throw io::ContentError(
              io::describe(origin, "tensor '" + name + "' has non-floating dtype " +
                                       std::string(c10::toString(stored.scalar_type()))));
        }
      });
  visit_vae_parameters(weights, config,
                       [&](const std::string& name, at::Tensor& tensor, const Shape&) {
                         tensor = view.get(name, options.dtype, options.device).contiguous();
                       });
  return weights;
}

VaeWeights load_vae_weights(const std::string& path, const VaeConfig& config,
                            const VaeLoadOptions& options) {
  return load_vae_weights(open_vae_checkpoint(path), config, options);
}

}  // namespace animate::wan
