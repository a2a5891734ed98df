#pragma once
// The Wan2.1 video VAE: causal chunked encode, streamed per-latent-frame
// decode, latent normalisation and DiffSynth spatial tiling.
//
// Streaming and tiling. Untiled decode runs one decoder with one feature
// cache, a latent frame at a time, and hands out each group of pixel frames
// as soon as it exists. Tiled decode has two orders, with identical results
// (every tile keeps its own cache, exactly as if decoded alone):
//  - kTimeMajor (default): for each latent frame, every tile takes one step
//    with its own live cache; the blended frames of that step are handed out
//    at once. Memory: the caches of all tiles (real model, fp32: ~9.2 KB per
//    output pixel of tile area, so with the pipeline's tiles 2.25x the frame
//    area at 480x832 = 8.5 GB, 3x at 1280x720 = 26 GB; untiled: 3.8 / 8.7 GB)
//    plus one tile's activations. Use decode_cache_bytes() to plan.
//  - kTileMajor (the reference's order): each tile decodes the whole video
//    with one cache, blended into a full-video buffer; frames are handed out
//    after the last tile. Memory: one tile's cache and activations plus the
//    output video.
// Neither grows with the frame count beyond the output itself.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "model/wan/vae_config.h"
#include "model/wan/vae_tiling.h"
#include "model/wan/vae_weights.h"

namespace animate::wan {

enum class VaeTileOrder { kTimeMajor, kTileMajor };

struct VaeEncodeOptions {
  // Spatial tiles (latent cells; x8 pixels on the video), DiffSynth blending.
  std::optional<VaeTiling> tiling;
  // false: return the encoder mean mu before (mu - mean) / std.
  bool normalize = true;
};

struct VaeDecodeOptions {
  std::optional<VaeTiling> tiling;
  VaeTileOrder tile_order = VaeTileOrder::kTimeMajor;
  // Clamp to [-1, 1] like both references (false: raw decoder output).
  bool clamp = true;
  // Where the frames handed out live.
  at::ScalarType output_dtype = at::kFloat;
  c10::Device output_device{c10::kCPU};
};

// Receives decoded pixel frames [1, 3, n, H, W] in time order; `first_frame`
// is the index of the chunk's first frame in the whole video. Called once per
// latent frame (n = 1, then 4).
using VaeFrameSink = std::function<void(const at::Tensor& frames, std::int64_t first_frame)>;

class WanVae {
 public:
  // Weights must match `config` and live in one dtype on one device (the
  // compute dtype/device).
  WanVae(VaeConfig config, VaeWeights weights);
  // load_vae_weights(path, config, options), then the model.
  static WanVae load(const std::string& path, const VaeConfig& config,
                     const VaeLoadOptions& options = {});

  const VaeConfig& config() const { return config_; }
  at::ScalarType dtype() const { return dtype_; }
  c10::Device device() const { return device_; }

  // video [1, 3, T, H, W] in [-1, 1], T = 1 + 4k, H and W multiples of 8 ->
  // latents [1, z_dim, 1 + k, H/8, W/8] in the compute dtype on the compute
  // device. Throws std::invalid_argument naming the rule a bad shape breaks.
  at::Tensor encode(const at::Tensor& video, const VaeEncodeOptions& options = {}) const;

  // latents [1, z_dim, T_lat, h, w] -> video [1, 3, 1 + 4 (T_lat - 1), 8h, 8w].
  at::Tensor decode(const at::Tensor& latents, const VaeDecodeOptions& options = {}) const;
  // The same, handing out frames as they are produced (see VaeFrameSink).
  void decode(const at::Tensor& latents, const VaeFrameSink& sink,
              const VaeDecodeOptions& options = {}) const;

  // z = (mu - mean) * (1/std) and back (x = z / (1/std) + mean, in the
  // reference's operation order), per channel, in x's dtype.
  at::Tensor normalize(const at::Tensor& mu) const;
  at::Tensor denormalize(const at::Tensor& z) const;

  // Bytes the decoder feature caches hold for a latent frame of h x w cells
  // (untiled), or for all tiles together with `tiling` in kTimeMajor order.
  std::size_t decode_cache_bytes(std::int64_t h, std::int64_t w,
                                 const std::optional<VaeTiling>& tiling = std::nullopt) const;

 private:
  at::Tensor prepare_latent_frame(const at::Tensor& latents, std::int64_t t) const;
  void check_latents(const at::Tensor& latents) const;
  void check_video(const at::Tensor& video) const;
  at::Tensor encode_whole(const at::Tensor& video, bool normalize) const;
  void decode_untiled(const at::Tensor& latents, const VaeFrameSink& sink,
                      const VaeDecodeOptions& options) const;
  void decode_time_major(const at::Tensor& latents, const VaeFrameSink& sink,
                         const VaeDecodeOptions& options) const;
  at::Tensor decode_tile_major(const at::Tensor& latents, const VaeDecodeOptions& options) const;

  VaeConfig config_;
  std::shared_ptr<const VaeWeights> weights_;
  at::ScalarType dtype_;
  c10::Device device_;
  at::Tensor mean_;     // [1, z_dim, 1, 1, 1] float32
  at::Tensor inv_std_;  // [1, z_dim, 1, 1, 1] float32, 1/std computed in float32
};

}  // namespace animate::wan
