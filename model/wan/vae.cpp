#include "model/wan/vae.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "model/io/shape_string.h"
#include "model/wan/vae_causal_conv.h"
#include "model/wan/vae_decoder.h"
#include "model/wan/vae_encoder.h"

namespace animate::wan {

namespace {

using io::shape_string;

at::Tensor channel_vector(const std::vector<double>& values) {
  std::vector<float> as_float(values.begin(), values.end());
  return at::tensor(as_float, at::kFloat)
      .view({1, static_cast<std::int64_t>(values.size()), 1, 1, 1});
}

std::size_t conv_cache_bytes(const VaeConvWeights& conv, std::int64_t h, std::int64_t w,
                             std::size_t element_size) {
  // Two frames of the conv's input.
  return static_cast<std::size_t>(2 * conv.weight.size(1) * h * w) * element_size;
}

std::size_t residual_cache_bytes(const VaeResidualBlockWeights& block, std::int64_t h,
                                 std::int64_t w, std::size_t element_size) {
  return conv_cache_bytes(block.conv1, h, w, element_size) +
         conv_cache_bytes(block.conv2, h, w, element_size);
}

// `weights` after checking that they are complete, shaped for `config`, and
// in one dtype on one device (those of conv2.weight).
VaeWeights checked_weights(const VaeConfig& config, VaeWeights weights) {
  config.validate();
  if (!weights.conv2.weight.defined()) {
    throw std::invalid_argument("Wan VAE: weight 'conv2.weight' is missing");
  }
  const at::ScalarType dtype = weights.conv2.weight.scalar_type();
  const c10::Device device = weights.conv2.weight.device();
  visit_vae_parameters(
      weights, config,
      [&](const std::string& name, at::Tensor& tensor, const std::vector<std::int64_t>& shape) {
        if (!tensor.defined())
          throw std::invalid_argument("Wan VAE: weight '" + name + "' is missing");
        if (tensor.sizes() != at::IntArrayRef(shape)) {
          throw std::invalid_argument("Wan VAE: weight '" + name + "' has shape " +
                                      shape_string(tensor.sizes()) +
                                      " but the configuration needs " + shape_string(shape));
        }
        if (tensor.scalar_type() != dtype || tensor.device() != device) {
          throw std::invalid_argument(
              "Wan VAE: weight '" + name + "' differs in dtype or device from conv2.weight (" +
              std::string(c10::toString(dtype)) + " on " + device.str() + ")");
        }
      });
  return weights;
}

}  // namespace

WanVae::WanVae(VaeConfig config, VaeWeights weights)
    : config_(std::move(config)),
      weights_(std::make_shared<const VaeWeights>(checked_weights(config_, std::move(weights)))),
      dtype_(weights_->conv2.weight.scalar_type()),
      device_(weights_->conv2.weight.device()) {
  mean_ = channel_vector(config_.latent_mean).to(device_);
  inv_std_ = at::reciprocal(channel_vector(config_.latent_std)).to(device_);
}

WanVae WanVae::load(const std::string& path, const VaeConfig& config,
                    const VaeLoadOptions& options) {
  return WanVae(config, load_vae_weights(path, config, options));
}

at::Tensor WanVae::normalize(const at::Tensor& mu) const {
  return (mu - mean_.to(mu.options())) * inv_std_.to(mu.options());
}

at::Tensor WanVae::denormalize(const at::Tensor& z) const {
  return z / inv_std_.to(z.options()) + mean_.to(z.options());
}

void WanVae::check_video(const at::Tensor& video) const {
  const std::int64_t tf = config_.temporal_factor(), sf = config_.spatial_factor();
  if (!video.defined() || video.dim() != 5) {
    throw std::invalid_argument(
        "VAE encode: video must be a 5-D tensor [1, 3, T, H, W], got shape " +
        (video.defined() ? shape_string(video.sizes()) : std::string("(undefined)")));
  }
  if (video.size(0) != 1) {
    throw std::invalid_argument("VAE encode: batch size must be 1, got video shape " +
                                shape_string(video.sizes()));
  }
  if (video.size(1) != 3) {
    throw std::invalid_argument("VAE encode: video must have 3 (RGB) channels, got " +
                                std::to_string(video.size(1)) + " (shape " +
                                shape_string(video.sizes()) + ")");
  }
  const std::int64_t frames = video.size(2);
  if (frames < 1 || (frames - 1) % tf != 0) {
    throw std::invalid_argument("VAE encode: frame count must be 1 + " + std::to_string(tf) +
                                "k (1, " + std::to_string(1 + tf) + ", " +
                                std::to_string(1 + 2 * tf) + ", ...), got " +
                                std::to_string(frames));
  }
  for (int axis : {3, 4}) {
    const std::int64_t extent = video.size(axis);
    if (extent < 1 || extent % sf != 0) {
      throw std::invalid_argument(std::string("VAE encode: ") + (axis == 3 ? "height" : "width") +
                                  " must be a positive multiple of " + std::to_string(sf) +
                                  ", got " + std::to_string(extent));
    }
  }
  if (!at::isFloatingType(video.scalar_type())) {
    throw std::invalid_argument(
        "VAE encode: video must be a floating-point tensor in [-1, 1], got " +
        std::string(c10::toString(video.scalar_type())));
  }
}

void WanVae::check_latents(const at::Tensor& latents) const {
  if (!latents.defined() || latents.dim() != 5) {
    throw std::invalid_argument(
        "VAE decode: latents must be a 5-D tensor [1, z_dim, T, h, w], got shape " +
        (latents.defined() ? shape_string(latents.sizes()) : std::string("(undefined)")));
  }
  if (latents.size(0) != 1) {
    throw std::invalid_argument("VAE decode: batch size must be 1, got latents shape " +
                                shape_string(latents.sizes()));
  }
  if (latents.size(1) != config_.z_dim) {
    throw std::invalid_argument(
        "VAE decode: latents must have z_dim=" + std::to_string(config_.z_dim) + " channels, got " +
        std::to_string(latents.size(1)) + " (shape " + shape_string(latents.sizes()) + ")");
  }
  if (latents.size(2) < 1 || latents.size(3) < 1 || latents.size(4) < 1) {
    throw std::invalid_argument("VAE decode: latents must have at least one frame and cell, got " +
                                shape_string(latents.sizes()));
  }
  if (!at::isFloatingType(latents.scalar_type())) {
    throw std::invalid_argument("VAE decode: latents must be floating-point, got " +
                                std::string(c10::toString(latents.scalar_type())));
  }
}

at::Tensor WanVae::encode_whole(const at::Tensor& video, bool normalize_mu) const {
  const std::int64_t tf = config_.temporal_factor(), sf = config_.spatial_factor();
  const std::int64_t latent_frames = 1 + (video.size(2) - 1) / tf;
  at::Tensor latents =
      at::empty({1, config_.z_dim, latent_frames, video.size(3) / sf, video.size(4) / sf},
                at::TensorOptions().dtype(dtype_).device(device_));
  VaeEncoderStream stream(weights_);
  for (std::int64_t i = 0; i < latent_frames; ++i) {
    const at::Tensor chunk = i == 0 ? video.narrow(2, 0, 1) : video.narrow(2, 1 + tf * (i - 1), tf);
    const at::Tensor encoded = stream.step(chunk.to(device_, dtype_).contiguous());
    // conv1 is 1x1x1, so running it per chunk equals running it on the whole.
    at::Tensor mu = causal_conv3d(encoded, weights_->conv1).narrow(1, 0, config_.z_dim);
    latents.narrow(2, i, 1).copy_(normalize_mu ? normalize(mu) : mu);
  }
  return latents;
}

at::Tensor WanVae::encode(const at::Tensor& video, const VaeEncodeOptions& options) const {
  at::NoGradGuard no_grad;
  check_video(video);
  if (!options.tiling) return encode_whole(video, options.normalize);

  const VaeTiling& tiling = *options.tiling;
  tiling.validate();
  const std::int64_t sf = config_.spatial_factor(), tf = config_.temporal_factor();
  const std::int64_t height = video.size(3), width = video.size(4);
  VaeTileBlender blender(plan_vae_tiles(height, width, tiling.size_h * sf, tiling.size_w * sf,
                                        tiling.stride_h * sf, tiling.stride_w * sf),
                         height / sf, width / sf, 1, sf, tiling.size_h - tiling.stride_h,
                         tiling.size_w - tiling.stride_w,
                         at::TensorOptions().dtype(at::kFloat).device(device_));
  at::Tensor values =
      at::zeros({1, config_.z_dim, 1 + (video.size(2) - 1) / tf, height / sf, width / sf},
                at::TensorOptions().dtype(at::kFloat).device(device_));
  for (std::size_t i = 0; i < blender.tiles().size(); ++i) {
    const VaeTile& tile = blender.tiles()[i];
    // Each tile is a complete normalised encode of its own, as in DiffSynth.
    const at::Tensor part =
        video.narrow(3, tile.h0, tile.h1 - tile.h0).narrow(4, tile.w0, tile.w1 - tile.w0);
    blender.accumulate(values, i, encode_whole(part, /*normalize=*/true));
  }
  blender.normalise(values);
  if (!options.normalize) values = denormalize(values);
  return values.to(dtype_);
}

at::Tensor WanVae::prepare_latent_frame(const at::Tensor& latents, std::int64_t t) const {
  const at::Tensor z = latents.narrow(2, t, 1).to(device_, dtype_);
  // conv2 is 1x1x1: per latent frame (and per tile) it equals the whole-tensor conv.
  return causal_conv3d(denormalize(z), weights_->conv2);
}

void WanVae::decode_untiled(const at::Tensor& latents, const VaeFrameSink& sink,
                            const VaeDecodeOptions& options) const {
  VaeDecoderStream stream(weights_);
  std::int64_t first = 0;
  for (std::int64_t t = 0; t < latents.size(2); ++t) {
    at::Tensor frames = stream.step(prepare_latent_frame(latents, t));
    if (options.clamp) frames.clamp_(-1.0, 1.0);
    frames = frames.to(options.output_device, options.output_dtype).contiguous();
    sink(frames, first);
    first += frames.size(2);
  }
}

void WanVae::decode_time_major(const at::Tensor& latents, const VaeFrameSink& sink,
                               const VaeDecodeOptions& options) const {
  const VaeTiling& tiling = *options.tiling;
  const std::int64_t sf = config_.spatial_factor();
  const std::int64_t h = latents.size(3), w = latents.size(4);
  const VaeTileBlender blender(
      plan_vae_tiles(h, w, tiling.size_h, tiling.size_w, tiling.stride_h, tiling.stride_w), h * sf,
      w * sf, sf, 1, (tiling.size_h - tiling.stride_h) * sf, (tiling.size_w - tiling.stride_w) * sf,
      at::TensorOptions().dtype(at::kFloat).device(device_));
  // One decoder (one cache) per tile, all alive for the whole video.
  std::vector<VaeDecoderStream> streams;
  streams.reserve(blender.tiles().size());
  for (std::size_t i = 0; i < blender.tiles().size(); ++i) streams.emplace_back(weights_);

  std::int64_t first = 0;
  for (std::int64_t t = 0; t < latents.size(2); ++t) {
    const at::Tensor x = prepare_latent_frame(latents, t);
    at::Tensor values;
    for (std::size_t i = 0; i < streams.size(); ++i) {
      const VaeTile& tile = blender.tiles()[i];
      const at::Tensor part = x.narrow(3, tile.h0, tile.h1 - tile.h0)
                                  .narrow(4, tile.w0, tile.w1 - tile.w0)
                                  .contiguous();
      const at::Tensor out = streams[i].step(part);
      if (!values.defined()) {
        values = at::zeros({1, 3, out.size(2), h * sf, w * sf},
                           at::TensorOptions().dtype(at::kFloat).device(device_));
      }
      blender.accumulate(values, i, out);
    }
    blender.normalise(values);
    if (options.clamp) values.clamp_(-1.0, 1.0);
    values = values.to(options.output_device, options.output_dtype).contiguous();
    sink(values, first);
    first += values.size(2);
  }
}

at::Tensor WanVae::decode_tile_major(const at::Tensor& latents,
                                     const VaeDecodeOptions& options) const {
  const VaeTiling& tiling = *options.tiling;
  const std::int64_t sf = config_.spatial_factor(), tf = config_.temporal_factor();
  const std::int64_t h = latents.size(3), w = latents.size(4);
  const auto accumulate_options =
      at::TensorOptions().dtype(at::kFloat).device(options.output_device);
  const VaeTileBlender blender(
      plan_vae_tiles(h, w, tiling.size_h, tiling.size_w, tiling.stride_h, tiling.stride_w), h * sf,
      w * sf, sf, 1, (tiling.size_h - tiling.stride_h) * sf, (tiling.size_w - tiling.stride_w) * sf,
      accumulate_options);
  const std::int64_t out_frames = 1 + tf * (latents.size(2) - 1);
  at::Tensor values = at::zeros({1, 3, out_frames, h * sf, w * sf}, accumulate_options);
  for (std::size_t i = 0; i < blender.tiles().size(); ++i) {
    const VaeTile& tile = blender.tiles()[i];
    const at::Tensor part =
        latents.narrow(3, tile.h0, tile.h1 - tile.h0).narrow(4, tile.w0, tile.w1 - tile.w0);
    VaeDecoderStream stream(weights_);
    std::int64_t first = 0;
    for (std::int64_t t = 0; t < latents.size(2); ++t) {
      const at::Tensor out = stream.step(prepare_latent_frame(part, t));
      blender.accumulate(values.narrow(2, first, out.size(2)), i, out);
      first += out.size(2);
    }
  }
  blender.normalise(values);
  if (options.clamp) values.clamp_(-1.0, 1.0);
  return values.to(options.output_dtype);
}

void WanVae::decode(const at::Tensor& latents, const VaeFrameSink& sink,
                    const VaeDecodeOptions& options) const {
  at::NoGradGuard no_grad;
  check_latents(latents);
  if (!sink) throw std::invalid_argument("VAE decode: the frame sink is empty");
  if (!options.tiling) return decode_untiled(latents, sink, options);
  options.tiling->validate();
  if (options.tile_order == VaeTileOrder::kTimeMajor) {
    return decode_time_major(latents, sink, options);
  }
  const at::Tensor video = decode_tile_major(latents, options);
  // Hand out the finished video in the same per-latent-frame chunks.
  const std::int64_t tf = config_.temporal_factor();
  std::int64_t first = 0;
  for (std::int64_t t = 0; t < latents.size(2); ++t) {
    const std::int64_t count = t == 0 ? 1 : tf;
    sink(video.narrow(2, first, count), first);
    first += count;
  }
}

at::Tensor WanVae::decode(const at::Tensor& latents, const VaeDecodeOptions& options) const {
  at::NoGradGuard no_grad;
  check_latents(latents);
  if (options.tiling && options.tile_order == VaeTileOrder::kTileMajor) {
    options.tiling->validate();
    return decode_tile_major(latents, options);
  }
  const std::int64_t sf = config_.spatial_factor(), tf = config_.temporal_factor();
  at::Tensor video =
      at::empty({1, 3, 1 + tf * (latents.size(2) - 1), latents.size(3) * sf, latents.size(4) * sf},
                at::TensorOptions().dtype(options.output_dtype).device(options.output_device));
  decode(
      latents,
      [&](const at::Tensor& frames, std::int64_t first) {
        video.narrow(2, first, frames.size(2)).copy_(frames);
      },
      options);
  return video;
}

std::size_t WanVae::decode_cache_bytes(std::int64_t h, std::int64_t w,
                                       const std::optional<VaeTiling>& tiling) const {
  if (tiling) {
    tiling->validate();
    std::size_t total = 0;
    for (const VaeTile& tile :
         plan_vae_tiles(h, w, tiling->size_h, tiling->size_w, tiling->stride_h, tiling->stride_w)) {
      total += decode_cache_bytes(tile.h1 - tile.h0, tile.w1 - tile.w0);
    }
    return total;
  }
  const std::size_t element_size = c10::elementSize(dtype_);
  const VaeCoderWeights& dec = weights_->decoder;
  std::size_t total = conv_cache_bytes(dec.conv1, h, w, element_size) +
                      residual_cache_bytes(dec.middle_res1, h, w, element_size) +
                      residual_cache_bytes(dec.middle_res2, h, w, element_size);
  std::int64_t rh = h, rw = w;
  for (const auto& stage : dec.stages) {
    for (const auto& block : stage.blocks)
      total += residual_cache_bytes(block, rh, rw, element_size);
    if (stage.resample) {
      if (stage.resample->mode == VaeResampleMode::kUpsample3d) {
        total += conv_cache_bytes(stage.resample->time_conv, rh, rw, element_size);
      }
      rh *= 2;
      rw *= 2;
    }
  }
  return total + conv_cache_bytes(dec.head_conv, rh, rw, element_size);
}

}  // namespace animate::wan
