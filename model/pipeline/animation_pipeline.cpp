#include "model/pipeline/animation_pipeline.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "model/io/checkpoint_view.h"
#include "model/io/error.h"
#include "model/io/open_checkpoint.h"
#include "model/pipeline/denoising_loop.h"
#include "model/pipeline/job_noise.h"
#include "model/pipeline/reference_fit.h"
#include "model/pipeline/vae_config_inference.h"
#include "model/unianimate/lora.h"
#include "model/unianimate/pose_encoders.h"
#include "model/wan/clip_preprocess.h"
#include "model/wan/clip_vision.h"
#include "model/wan/dit.h"
#include "model/wan/t5_encoder.h"
#include "model/wan/tokenizer.h"
#include "model/wan/vae.h"

namespace animate::pipeline {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io::FormatError(io::describe(path.string(), "cannot open"));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

[[noreturn]] void contradiction(const std::string& what) {
  throw io::ContentError("UniAnimate model components do not fit together: " + what);
}

void require_same(const std::string& what, std::int64_t a, const std::string& a_name,
                  std::int64_t b, const std::string& b_name) {
  if (a != b) {
    contradiction(what + ": " + a_name + " = " + std::to_string(a) + " but " + b_name + " = " +
                  std::to_string(b));
  }
}

std::string shape_of(const at::Tensor& t) {
  if (!t.defined()) return "none";
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

void require_shape(const at::Tensor& t, at::IntArrayRef shape, const std::string& field) {
  if (!t.sizes().equals(shape)) {
    std::ostringstream expected;
    expected << shape;
    throw std::invalid_argument("animation request: " + field + " must have shape " +
                                expected.str() + " for this job, got " + shape_of(t));
  }
}

// Pose frames [first, last] of the request (indices past the end repeat the
// last pose), fitted to the video size: float32 [1, 3, n, H, W], values 0..255.
at::Tensor window_pose_frames(const at::Tensor& poses, std::int64_t first, std::int64_t last,
                              VideoSize size, ReferenceFit fit) {
  const std::int64_t available = poses.size(0);
  std::vector<at::Tensor> frames;
  for (std::int64_t i = first; i <= last; ++i) {
    frames.push_back(poses[std::min(i, available - 1)]);
  }
  return fit_pose_frames(at::stack(frames), size, fit);
}

}  // namespace

struct AnimationPipeline::Components {
  PipelineConfig config;
  LoadedModelInfo info;
  std::optional<wan::WanDiT> dit;
  std::optional<unianimate::PoseEncoder> pose_encoder;
  std::optional<unianimate::RefPoseEncoder> refpose_encoder;
  std::optional<wan::WanVae> vae;
  std::optional<wan::ClipVisionEncoder> clip;
  std::optional<wan::T5Encoder> t5;
  std::optional<wan::UmT5Tokenizer> tokenizer;
  std::unique_ptr<wan::PromptCache> prompt_cache;

  explicit Components(const PipelineConfig& cfg);
  at::Tensor encode_prompt(const std::string& prompt);
};

AnimationPipeline::Components::Components(const PipelineConfig& cfg) : config(cfg) {
  const auto start = Clock::now();
  const ModelFiles& files = config.files;
  files.require_present();

  // Hyper-parameters first, so a mismatch is reported before the slow loads.
  info.dit = config.dit ? *config.dit : wan::DitConfig::from_json(read_text_file(files.dit_config));
  const io::CheckpointView t5_view({io::open_checkpoint(files.t5.string())});
  info.t5 = config.t5 ? *config.t5 : wan::T5EncoderConfig::infer(t5_view);
  const io::CheckpointView clip_view = wan::clip_visual_weights(files.clip.string());
  {
    // The width decides the default head count, so read it with a placeholder count.
    info.clip = wan::ClipVisionConfig::infer(clip_view, 1);
    const std::int64_t heads = config.clip_heads
                                   ? *config.clip_heads
                                   : std::max<std::int64_t>(1, info.clip.width / kClipHeadWidth);
    info.clip = wan::ClipVisionConfig::infer(clip_view, heads);
    info.clip.eps = config.clip_eps;
    info.clip.validate();
  }
  const io::CheckpointView vae_view = wan::open_vae_checkpoint(files.vae.string());
  info.vae = config.vae ? *config.vae : infer_vae_config(vae_view);

  const wan::DitConfig& d = info.dit;
  if (!d.has_image_input()) {
    contradiction("the DiT config says model_type '" + d.model_type + "', UniAnimate needs 'i2v'");
  }
  require_same("text width", d.text_dim, "DiT text_dim", info.t5.dim, "umT5 dim");
  require_same("CLIP width", d.clip_dim, "DiT clip_dim", info.clip.width, "CLIP width");
  require_same("CLIP tokens", d.clip_tokens, "DiT clip_tokens", info.clip.tokens(), "CLIP tokens");
  require_same("latent channels", d.out_dim, "DiT out_dim", info.vae.z_dim, "VAE z_dim");
  require_same("DiT input channels", d.in_dim, "DiT in_dim", 2 * info.vae.z_dim + 4,
               "2 * VAE z_dim + 4 mask channels");
  require_same("spatial patch", d.patch_size[1] * info.vae.spatial_factor(),
               "DiT patch height x VAE factor", 16, "16 (pose encoder stride)");
  if (d.patch_size[0] != 1 || d.patch_size[1] != d.patch_size[2]) {
    contradiction("DiT patch_size must be (1, p, p)");
  }

  const auto dit_source = io::open_checkpoint(files.dit.string());
  dit.emplace(wan::WanDiT::load(*dit_source, d, {config.dtype, config.device}));
  const auto unianimate_source = io::open_checkpoint(files.unianimate.string());
  info.lora_merged = unianimate::merge_unianimate_lora(*dit, *unianimate_source, config.lora_alpha);
  for (const auto& name : unianimate_source->names()) {
    if (name.find("lora_A") != std::string::npos) {
      info.lora_rank = unianimate_source->tensor(name).size(0);
      break;
    }
  }
  unianimate::PoseEncoderOptions pose_options;
  pose_options.device = config.device;
  pose_options.output_dtype = config.dtype;
  pose_encoder.emplace(unianimate::PoseEncoder::load(*unianimate_source, pose_options));
  refpose_encoder.emplace(unianimate::RefPoseEncoder::load(*unianimate_source, pose_options));
  require_same("pose token width", pose_encoder->dim(), "dwpose_embedding output", d.dim,
               "DiT dim");
  require_same("reference-pose channels", refpose_encoder->channels(),
               "randomref_embedding_pose output", d.in_dim - d.out_dim, "DiT in_dim - out_dim");

  vae.emplace(info.vae, wan::load_vae_weights(vae_view, info.vae, {config.dtype, config.device}));
  clip.emplace(
      wan::ClipVisionEncoder::load(clip_view, info.clip, {config.clip_dtype, config.device}));
  t5.emplace(wan::T5Encoder::load(
      t5_view, info.t5, {config.dtype, config.text_encoder_device.value_or(config.device)}));
  tokenizer.emplace(wan::UmT5Tokenizer::load(files.tokenizer, d.text_len));
  if (tokenizer->vocab_size() > info.t5.vocab) {
    contradiction("the tokenizer " + files.tokenizer.string() + " has " +
                  std::to_string(tokenizer->vocab_size()) + " pieces but the umT5 embedding only " +
                  std::to_string(info.t5.vocab) + " rows");
  }
  prompt_cache = std::make_unique<wan::PromptCache>(config.prompt_cache_capacity);
  info.load_seconds = seconds_since(start);
}

at::Tensor AnimationPipeline::Components::encode_prompt(const std::string& prompt) {
  return prompt_cache->get_or_encode(prompt, [this](const std::string& text) {
    const wan::TokenizedPrompts tokens = (*tokenizer)({text});
    const at::Tensor context = t5->encode_context(tokens.ids, tokens.mask);
    return context.to(dit->device(), dit->dtype());
  });
}

AnimationPipeline::AnimationPipeline(const PipelineConfig& config)
    : components_(std::make_unique<Components>(config)) {}

AnimationPipeline::~AnimationPipeline() = default;

const LoadedModelInfo& AnimationPipeline::info() const {
  return components_->info;
}

wan::PromptCache::Stats AnimationPipeline::prompt_cache_stats() const {
  return components_->prompt_cache->stats();
}

AnimationResult AnimationPipeline::run(const AnimationRequest& request, const JobOptions& options) {
  std::lock_guard<std::mutex> lock(run_mutex_);
  const auto job_start = Clock::now();
  validate_request(request);
  Components& c = *components_;
  const wan::DitConfig& d = c.info.dit;
  const c10::Device device = c.config.device;

  // ---- plan ----
  AnimationResult result;
  result.size = request.size;
  result.seed = request.seed;
  const at::Tensor pose_source = request.pose_frames.cpu().contiguous();
  result.num_frames = resolved_frame_count(request.num_frames, pose_source.size(0));
  const std::int64_t temporal = c.info.vae.temporal_factor();
  const std::int64_t spatial = c.info.vae.spatial_factor();
  result.latent_frames = (result.num_frames - 1) / temporal + 1;
  const std::int64_t h = request.size.height / spatial, w = request.size.width / spatial;
  const bool multi_window = result.latent_frames > request.context_size;
  result.windows = multi_window
                       ? sampling::context_windows(result.latent_frames,
                                                   {request.context_size, request.context_overlap})
                       : sampling::FrameWindows{sampling::FrameWindow()};
  if (!multi_window) {
    for (std::int64_t f = 0; f < result.latent_frames; ++f) result.windows[0].push_back(f);
  }
  const auto window_count = static_cast<std::int64_t>(result.windows.size());
  const std::int64_t window_frames = static_cast<std::int64_t>(result.windows[0].size());
  const std::int64_t channels = d.out_dim;

  JobNoise noise;
  if (request.noise.defined()) {
    require_shape(request.noise, {1, channels, result.latent_frames, h, w}, "noise");
    noise.initial = request.noise.to(at::kFloat);
    if (multi_window) {
      require_shape(request.warmup_noise, {window_count, 1, channels, kWarmupFrames, h, w},
                    "warmup_noise");
      for (std::int64_t i = 0; i < window_count; ++i) {
        noise.warmup.push_back(request.warmup_noise[i].to(at::kFloat));
      }
    }
  } else {
    if (request.warmup_noise.defined()) {
      throw std::invalid_argument("animation request: warmup_noise requires noise as well");
    }
    noise = draw_job_noise(request.seed, channels, result.latent_frames, h, w,
                           multi_window ? window_count : 1, kWarmupFrames);
  }

  // ---- hooks ----
  auto check_cancel = [&](const char* where) {
    if (options.cancel != nullptr && options.cancel->requested()) throw Cancelled(where);
  };
  auto report = [&](ProgressEvent event) {
    if (options.progress) {
      event.elapsed_seconds = seconds_since(job_start);
      options.progress(event);
    }
  };
  auto enter_stage = [&](Stage stage, const char* where) {
    check_cancel(where);
    ProgressEvent event;
    event.stage = stage;
    event.total_steps = request.steps;
    event.total_windows = window_count;
    event.total_frames = result.num_frames;
    report(event);
    check_cancel(where);
  };
  AnimationTrace* trace = options.trace;

  // ---- text ----
  auto stage_start = Clock::now();
  enter_stage(Stage::kEncodingText, "before text encoding");
  const at::Tensor context_posi = c.encode_prompt(request.prompt);
  const at::Tensor context_nega =
      request.cfg_scale != 1.0 ? c.encode_prompt(request.negative_prompt) : at::Tensor();
  result.timings.text = seconds_since(stage_start);

  // ---- reference image: CLIP tokens and the I2V conditioning y ----
  stage_start = Clock::now();
  enter_stage(Stage::kEncodingImage, "before image encoding");
  const at::Tensor reference = fit_image(request.reference_image.cpu().contiguous(), request.size,
                                         request.fit, wan::PilFilter::kBicubic);
  const at::Tensor image = wan::image_to_signed_unit(reference);  // [1, 3, H, W]
  wan::ClipNormalization normalization;
  normalization.image_size = c.info.clip.image_size;
  const at::Tensor clip_feature =
      c.clip->forward(wan::clip_input_from_image(image, normalization)).to(device, c.dit->dtype());
  // The reference image is frame 0 of an otherwise zero (mid-gray) clip as
  // long as one window; long videos share this y across windows.
  const std::int64_t conditioning_frames = (window_frames - 1) * temporal + 1;
  at::Tensor y;
  {
    at::Tensor clip_video =
        at::zeros({1, 3, conditioning_frames, request.size.height, request.size.width},
                  at::TensorOptions().dtype(c.vae->dtype()).device(device));
    clip_video.select(2, 0).copy_(image);
    const at::Tensor latent = c.vae->encode(clip_video);
    clip_video.reset();
    at::Tensor mask = at::zeros({1, 4, window_frames, h, w}, latent.options());
    mask.select(2, 0).fill_(1.0);
    y = at::cat({mask, latent}, 1);
  }
  result.timings.image = seconds_since(stage_start);

  // ---- poses ----
  stage_start = Clock::now();
  enter_stage(Stage::kEncodingPose, "before pose encoding");
  const at::Tensor refpose_feature =
      c.refpose_encoder->encode(fit_image(request.reference_pose.cpu().contiguous(), request.size,
                                          request.fit, wan::PilFilter::kBilinear));
  const at::Tensor y_conditioned = y + refpose_feature.to(y.scalar_type());
  std::vector<at::Tensor> pose_tokens;
  std::vector<at::Tensor> raw_pose_tokens;
  for (const auto& window : result.windows) {
    check_cancel("during pose encoding");
    const at::Tensor frames =
        window_pose_frames(pose_source, window.front() * temporal, window.back() * temporal,
                           request.size, request.fit);
    at::Tensor tokens = c.pose_encoder->encode(frames);
    if (trace) raw_pose_tokens.push_back(tokens);
    if (request.pose_strength == 0.0) {
      tokens = at::Tensor();
    } else if (request.pose_strength != 1.0) {
      tokens = tokens * request.pose_strength;
    }
    // Host memory holds every window's tokens; the device only the current one.
    if (tokens.defined() && multi_window) tokens = tokens.to(at::kCPU);
    pose_tokens.push_back(tokens);
  }
  result.timings.pose = seconds_since(stage_start);

  if (trace) {
    trace->context_posi = context_posi;
    trace->context_nega = context_nega;
    trace->clip_feature = clip_feature;
    trace->y = y;
    trace->refpose_feature = refpose_feature;
    trace->y_conditioned = y_conditioned;
    trace->pose_tokens = raw_pose_tokens;
    trace->noise = noise.initial;
  }

  // ---- denoising ----
  stage_start = Clock::now();
  enter_stage(Stage::kDenoising, "before denoising");
  DenoiseSetup setup;
  setup.dit = &*c.dit;
  setup.context_posi = context_posi;
  setup.context_nega = context_nega;
  setup.clip_feature = clip_feature;
  setup.y = y_conditioned;
  setup.pose_tokens = std::move(pose_tokens);
  setup.windows = result.windows;
  setup.initial_latents = noise.initial.to(device);
  for (auto& warmup : noise.warmup) setup.warmup.push_back(warmup.to(device));
  setup.sampler = request.sampler;
  setup.steps = request.steps;
  setup.shift = request.shift;
  setup.cfg_scale = request.cfg_scale;
  setup.teacache_threshold = request.teacache_threshold;
  DenoiseHooks hooks;
  hooks.trace = trace;
  hooks.boundary = [&] { check_cancel("at a step boundary"); };
  hooks.window_done = [&](std::int64_t step, std::int64_t window) {
    ProgressEvent event;
    event.stage = Stage::kDenoising;
    event.step = step + 1;
    event.total_steps = request.steps;
    event.window = window + 1;
    event.total_windows = window_count;
    event.total_frames = result.num_frames;
    report(event);
    check_cancel("at a step boundary");
  };
  DenoiseStats stats;
  at::Tensor latents = denoise(setup, hooks, &stats);
  setup = DenoiseSetup();  // frees the per-window pose tokens before decoding
  result.dit_calls = stats.dit_calls;
  result.dit_calls_skipped = stats.dit_calls_skipped;
  if (options.keep_latents) result.latents = latents.to(at::kCPU);
  result.timings.denoise = seconds_since(stage_start);

  // ---- decoding, frames handed out as they are produced ----
  stage_start = Clock::now();
  enter_stage(Stage::kDecoding, "before decoding");
  if (options.keep_frames) {
    result.frames =
        at::empty({result.num_frames, request.size.height, request.size.width, 3}, at::kByte);
  }
  wan::VaeDecodeOptions decode_options;
  if (request.tiled_decode) decode_options.tiling = wan::VaeTiling{};
  decode_options.output_dtype = at::kFloat;
  decode_options.output_device = c10::Device(c10::kCPU);
  std::int64_t decoded = 0;
  // Progress once denoising is over: every step and window is done.
  auto report_after_denoising = [&](Stage stage) {
    ProgressEvent event;
    event.stage = stage;
    event.step = request.steps;
    event.total_steps = request.steps;
    event.window = window_count;
    event.total_windows = window_count;
    event.frames_decoded = decoded;
    event.total_frames = result.num_frames;
    report(event);
  };
  c.vae->decode(
      latents.to(c.vae->dtype()),
      [&](const at::Tensor& video, std::int64_t first_frame) {
        check_cancel("during decoding");
        DecodedFrames chunk;
        chunk.video = video;
        chunk.first_frame = first_frame;
        // The reference's uint8((video + 1) * 127.5) with clipping; the cast truncates.
        chunk.frames = ((video[0] + 1.0) * 127.5)
                           .clamp(0.0, 255.0)
                           .to(at::kByte)
                           .permute({1, 2, 3, 0})
                           .contiguous();
        const std::int64_t count = chunk.frames.size(0);
        if (options.keep_frames) result.frames.narrow(0, first_frame, count).copy_(chunk.frames);
        if (options.frame_sink) options.frame_sink(chunk);
        decoded = first_frame + count;
        report_after_denoising(Stage::kDecoding);
      },
      decode_options);
  result.timings.decode = seconds_since(stage_start);
  result.timings.total = seconds_since(job_start);

  report_after_denoising(Stage::kDone);
  return result;
}

}  // namespace animate::pipeline
