#include "model/pipeline/denoising_loop.h"

#include <ATen/ATen.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include "model/pipeline/latent_stepper.h"
#include "model/unianimate/teacache.h"

namespace animate::pipeline {
namespace {

// TeaCache coefficients UniAnimate uses at every resolution (spec 4.8).
constexpr const char* kTeaCacheModelId = "Wan2.1-I2V-14B-720P";

struct BranchCaches {
  unianimate::TeaCache posi;
  unianimate::TeaCache nega;
};

class GuidedVelocity {
 public:
  GuidedVelocity(const DenoiseSetup& setup, DenoiseStats* stats) : setup_(setup), stats_(stats) {}

  // v = v_nega + cfg (v_posi - v_nega) in float32; the negative branch has no
  // pose tokens. `caches` is null without TeaCache.
  at::Tensor operator()(const at::Tensor& latents, const at::Tensor& timestep,
                        const at::Tensor& pose_tokens, BranchCaches* caches,
                        AnimationTrace* trace_step0) {
    const wan::WanDiT& dit = *setup_.dit;
    wan::DitInputs inputs;
    inputs.latents = latents;
    inputs.timestep = timestep;
    inputs.clip_feature = setup_.clip_feature;
    inputs.y = setup_.y;
    inputs.text_context = setup_.context_posi;
    if (pose_tokens.defined()) inputs.add_condition = pose_tokens.to(dit.device());
    const at::Tensor v_posi = call(inputs, caches ? &caches->posi : nullptr).to(at::kFloat);
    if (trace_step0) trace_step0->v_posi_step0 = v_posi;
    if (setup_.cfg_scale == 1.0) return v_posi;
    inputs.text_context = setup_.context_nega;
    inputs.add_condition = at::Tensor();
    const at::Tensor v_nega = call(inputs, caches ? &caches->nega : nullptr).to(at::kFloat);
    if (trace_step0) trace_step0->v_nega_step0 = v_nega;
    return v_nega + (v_posi - v_nega) * setup_.cfg_scale;
  }

 private:
  at::Tensor call(const wan::DitInputs& inputs, unianimate::TeaCache* cache) {
    if (cache == nullptr) {
      ++stats_->dit_calls;
      return setup_.dit->forward(inputs);
    }
    bool computed = true;
    at::Tensor out = unianimate::forward_with_teacache(*setup_.dit, inputs, *cache, &computed);
    ++(computed ? stats_->dit_calls : stats_->dit_calls_skipped);
    return out;
  }

  const DenoiseSetup& setup_;
  DenoiseStats* stats_;
};

at::Tensor index_tensor(const sampling::FrameWindow& frames, const c10::Device& device) {
  return at::tensor(frames, at::kLong).to(device);
}

void check_setup(const DenoiseSetup& setup) {
  if (setup.dit == nullptr) throw std::invalid_argument("denoise: no DiT");
  if (setup.windows.empty()) throw std::invalid_argument("denoise: no windows");
  if (setup.pose_tokens.size() != setup.windows.size()) {
    throw std::invalid_argument("denoise: one pose-token tensor per window required");
  }
  if (setup.windows.size() > 1 && setup.warmup.size() != setup.windows.size()) {
    throw std::invalid_argument("denoise: one warm-up latent per window required");
  }
}

}  // namespace

at::Tensor denoise(const DenoiseSetup& setup, const DenoiseHooks& hooks, DenoiseStats* stats) {
  check_setup(setup);
  DenoiseStats local_stats;
  if (stats == nullptr) stats = &local_stats;
  const c10::Device device = setup.dit->device();
  const std::size_t window_count = setup.windows.size();
  const bool multi_window = window_count > 1;
  AnimationTrace* trace = hooks.trace;

  std::unique_ptr<LatentStepper> stepper =
      make_latent_stepper(setup.sampler, setup.steps, setup.shift, setup.dit->dtype());
  std::vector<BranchCaches> caches;
  if (setup.teacache_threshold > 0.0) {
    const auto coefficients = unianimate::teacache_coefficients(kTeaCacheModelId);
    for (std::size_t w = 0; w < window_count; ++w) {
      caches.push_back({unianimate::TeaCache(setup.steps, setup.teacache_threshold, coefficients),
                        unianimate::TeaCache(setup.steps, setup.teacache_threshold, coefficients)});
    }
  }
  GuidedVelocity guided(setup, stats);

  at::Tensor latents = setup.initial_latents.to(device, at::kFloat).clone();
  // Window w's private warm-up frames and their own trajectory. Window 0's are
  // the video's frames 0-1 themselves: it is the only window writing them, and
  // it writes all its frames (spec 5), so they live in `latents`.
  std::vector<at::Tensor> private_frames(window_count);
  std::vector<std::unique_ptr<LatentStepper>> private_steppers(window_count);
  std::vector<at::Tensor> window_index(window_count), contributed_index(window_count);
  at::Tensor counts;
  if (multi_window) {
    latents.narrow(2, 0, kWarmupFrames).copy_(setup.warmup[0]);
    counts = at::zeros({latents.size(2)}, latents.options());
    for (std::size_t w = 0; w < window_count; ++w) {
      const auto& frames = setup.windows[w];
      window_index[w] = index_tensor(frames, device);
      const std::size_t skip = w == 0 ? 0 : static_cast<std::size_t>(kWarmupFrames);
      contributed_index[w] = index_tensor(
          sampling::FrameWindow(frames.begin() + static_cast<std::ptrdiff_t>(skip), frames.end()),
          device);
      counts.index_add_(0, contributed_index[w],
                        at::ones({contributed_index[w].size(0)}, latents.options()));
      if (w > 0) {
        private_frames[w] = setup.warmup[w].to(device, at::kFloat).clone();
        private_steppers[w] = stepper->fresh();
      }
    }
    if (counts.eq(0).any().item<bool>()) {
      throw std::invalid_argument(
          "sliding windows leave latent frames uncovered (context_overlap must be >= 2)");
    }
  }
  if (trace) {
    trace->latents.clear();
    trace->window_inputs.clear();
    trace->window_velocities.clear();
    trace->latents.push_back(latents.clone());
  }

  for (std::int64_t step = 0; step < setup.steps; ++step) {
    const at::Tensor timestep = stepper->dit_timestep(step);
    if (trace) {
      trace->window_inputs.emplace_back();
      trace->window_velocities.emplace_back();
    }
    if (!multi_window) {
      if (hooks.boundary) hooks.boundary();
      const at::Tensor v =
          guided(latents, timestep, setup.pose_tokens[0], caches.empty() ? nullptr : &caches[0],
                 step == 0 ? trace : nullptr);
      if (trace) {
        trace->window_inputs.back().push_back(latents.clone());
        trace->window_velocities.back().push_back(v);
      }
      latents = stepper->step(step, v, latents);
      if (hooks.window_done) hooks.window_done(step, 0);
    } else {
      at::Tensor velocity_sum = at::zeros_like(latents);
      for (std::size_t w = 0; w < window_count; ++w) {
        if (hooks.boundary) hooks.boundary();
        at::Tensor input = latents.index_select(2, window_index[w]);
        if (w > 0) input.narrow(2, 0, kWarmupFrames).copy_(private_frames[w]);
        const at::Tensor v =
            guided(input, timestep, setup.pose_tokens[w], caches.empty() ? nullptr : &caches[w],
                   step == 0 && w == 0 ? trace : nullptr);
        if (trace) {
          trace->window_inputs.back().push_back(input);
          trace->window_velocities.back().push_back(v);
        }
        const std::int64_t skip = w == 0 ? 0 : kWarmupFrames;
        velocity_sum.index_add_(2, contributed_index[w], v.narrow(2, skip, v.size(2) - skip));
        if (w > 0) {
          private_frames[w] =
              private_steppers[w]->step(step, v.narrow(2, 0, kWarmupFrames), private_frames[w]);
        }
        if (hooks.window_done) hooks.window_done(step, static_cast<std::int64_t>(w));
      }
      // Averaging the velocities of the windows sharing a frame is averaging
      // their stepped latents (same input, same step size) as the reference does.
      latents = stepper->step(step, velocity_sum / counts.view({1, 1, -1, 1, 1}), latents);
    }
    if (trace) trace->latents.push_back(latents.clone());
  }
  return latents;
}

}  // namespace animate::pipeline
