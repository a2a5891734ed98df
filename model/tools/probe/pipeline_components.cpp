// Probe runner of the pipeline cases (pipeline_short, pipeline_long): the
// case's files and per-component config become a PipelineConfig, its params
// and inputs an AnimationRequest with the recorded noise injected, and the
// resident pipeline runs it. Everything is derived from case.json and the
// inputs; expected values are never read.
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "model/io/error.h"
#include "model/pipeline/animation_pipeline.h"
#include "model/pipeline/job_noise.h"
#include "model/sampling/context_windows.h"
#include "model/sampling/flow_match_scheduler.h"
#include "model/tools/probe/component_registry.h"

namespace animate::probe {
namespace {

using nlohmann::json;

bool wants_output(const GoldenCase& golden_case, const std::string& name) {
  return golden_case.json().at("outputs").contains(name);
}

[[noreturn]] void case_error(const GoldenCase& golden_case, const std::string& what) {
  throw io::ContentError(io::describe((golden_case.dir() / "case.json").string(), what));
}

// The weight file of `component` (a shard index when the case has one).
std::filesystem::path component_file(const GoldenCase& golden_case, const std::string& component) {
  std::filesystem::path found;
  for (const auto& entry : golden_case.json().at("weights")) {
    if (entry.value("component", "") != component) continue;
    const auto path = golden_case.weight_path(entry.at("file").get<std::string>());
    if (entry.value("format", "") == "json") return path;
    if (found.empty()) found = path;
  }
  if (found.empty()) case_error(golden_case, "no weight file for component '" + component + "'");
  return found;
}

pipeline::PipelineConfig pipeline_config(const GoldenCase& golden_case) {
  const json& config = golden_case.config();
  pipeline::PipelineConfig out;
  out.files.dit = component_file(golden_case, "dit");
  out.files.vae = component_file(golden_case, "vae");
  out.files.clip = component_file(golden_case, "clip");
  out.files.t5 = component_file(golden_case, "t5");
  out.files.tokenizer = component_file(golden_case, "tokenizer");
  out.files.unianimate = component_file(golden_case, "unianimate");
  out.dit = wan::DitConfig::from_json(config.at("dit").dump());
  out.vae = wan::VaeConfig::from_json(config.at("vae").dump());
  const json& clip = config.at("clip");
  if (!clip.value("use_31_block", true)) {
    throw NotImplemented("pipeline with a CLIP that runs its last block (use_31_block = false)");
  }
  out.clip_heads = clip.at("vision_heads").get<std::int64_t>();
  out.clip_eps = clip.value("norm_eps", out.clip_eps);
  out.lora_alpha = golden_case.params().value(
      "lora_alpha", config.value("lora", json::object()).value("lora_alpha", 1.0));
  return out;  // umT5 sizes are read off its weights and checked below
}

void check_inferred_config(const GoldenCase& golden_case, const pipeline::LoadedModelInfo& info) {
  const json& t5 = golden_case.config().at("t5");
  const std::pair<const char*, std::int64_t> fields[] = {{"vocab", info.t5.vocab},
                                                         {"dim", info.t5.dim},
                                                         {"dim_attn", info.t5.dim_attn},
                                                         {"dim_ffn", info.t5.dim_ffn},
                                                         {"num_heads", info.t5.num_heads},
                                                         {"num_layers", info.t5.num_layers},
                                                         {"num_buckets", info.t5.num_buckets}};
  for (const auto& [field, found] : fields) {
    if (t5.contains(field) && t5.at(field).get<std::int64_t>() != found) {
      case_error(golden_case, std::string("config.t5.") + field + " = " + t5.at(field).dump() +
                                  " but the weights imply " + std::to_string(found));
    }
  }
}

pipeline::AnimationRequest pipeline_request(const GoldenCase& golden_case) {
  const json& params = golden_case.params();
  if (params.value("denoising_strength", 1.0) != 1.0) {
    throw NotImplemented("pipeline with denoising_strength != 1 (video-to-video)");
  }
  if (params.value("context_stride", 1) != 1) {
    throw NotImplemented("pipeline with context_stride != 1");
  }
  pipeline::AnimationRequest request;
  request.reference_image = golden_case.input("ref_image");
  request.reference_pose = golden_case.input("ref_pose");
  request.pose_frames = golden_case.input("pose_frames");
  request.size = {params.at("width").get<std::int64_t>(), params.at("height").get<std::int64_t>()};
  request.fit = pipeline::ReferenceFit::kStretch;
  request.num_frames = params.at("num_frames").get<std::int64_t>();
  request.steps = params.at("num_inference_steps").get<std::int64_t>();
  request.shift = params.value("sigma_shift", 5.0);
  request.cfg_scale = params.at("cfg_scale").get<double>();
  request.seed = params.value("seed", std::uint64_t{0});
  const json threshold = params.value("tea_cache_l1_thresh", json());
  request.teacache_threshold = threshold.is_number() ? threshold.get<double>() : 0.0;
  const json& strings = golden_case.json().at("strings");
  request.prompt = strings.at("prompt").get<std::string>();
  request.negative_prompt = strings.at("negative_prompt").get<std::string>();
  request.tiled_decode = params.value("tiled", false);
  request.context_size = params.value("context_size", request.context_size);
  request.context_overlap = params.value("context_overlap", request.context_overlap);
  // The recorded draws replace the seeded ones (the reference's long-video
  // warm-up latents come from an unseeded RNG).
  request.noise = golden_case.input("noise");
  if (golden_case.has_input("warmup_noise"))
    request.warmup_noise = golden_case.input("warmup_noise");
  return request;
}

}  // namespace

io::NamedTensors run_pipeline(const GoldenCase& golden_case) {
  pipeline::AnimationPipeline animation(pipeline_config(golden_case));
  check_inferred_config(golden_case, animation.info());
  const pipeline::AnimationRequest request = pipeline_request(golden_case);

  std::vector<at::Tensor> video_chunks;
  pipeline::AnimationTrace trace;
  pipeline::JobOptions options;
  options.keep_latents = true;
  options.trace = &trace;
  options.frame_sink = [&](const pipeline::DecodedFrames& chunk) {
    video_chunks.push_back(chunk.video);
  };
  const pipeline::AnimationResult result = animation.run(request, options);

  io::NamedTensors out;
  out.emplace_back("frames", result.frames);
  out.emplace_back("video", at::cat(video_chunks, 2));
  out.emplace_back("latents_final", result.latents);
  const bool multi_window = result.windows.size() > 1;
  auto optional = [&](const std::string& name, const at::Tensor& value) {
    if (wants_output(golden_case, name) && value.defined()) out.emplace_back(name, value);
  };
  optional("windows", sampling::windows_to_tensor(result.windows));
  // The pipeline's own seeded draw (not the injected one): checks the RNG.
  const pipeline::JobNoise seeded =
      pipeline::draw_job_noise(request.seed, result.latents.size(1), result.latent_frames,
                               result.latents.size(3), result.latents.size(4), 1, 0);
  optional("noise", seeded.initial);
  optional("context_posi", trace.context_posi);
  optional("context_nega", trace.context_nega);
  optional("clip_feature", trace.clip_feature);
  optional("y", trace.y);
  optional("refpose_feature", trace.refpose_feature);
  optional("y_conditioned", trace.y_conditioned);
  optional("pose_tokens", multi_window ? at::stack(trace.pose_tokens) : trace.pose_tokens.front());
  optional("v_posi_step0", trace.v_posi_step0);
  optional("v_nega_step0", trace.v_nega_step0);
  if (!multi_window) optional("latents", at::stack(trace.latents));
  if (multi_window && wants_output(golden_case, "window_inputs_step0")) {
    out.emplace_back("window_inputs_step0", at::stack(trace.window_inputs.front()));
  }
  if (multi_window && wants_output(golden_case, "window_steps") &&
      request.sampler == pipeline::SamplerKind::kFlowMatchEuler) {
    // Every window's own Euler step, as the reference computes before averaging.
    sampling::FlowMatchConfig schedule_config;
    schedule_config.shift = request.shift;
    sampling::FlowMatchScheduler scheduler(schedule_config);
    scheduler.set_timesteps(request.steps, 1.0, request.shift);
    std::vector<at::Tensor> steps;
    for (std::size_t i = 0; i < trace.window_inputs.size(); ++i) {
      std::vector<at::Tensor> windows;
      for (std::size_t k = 0; k < trace.window_inputs[i].size(); ++k) {
        windows.push_back(scheduler.step(static_cast<std::int64_t>(i),
                                         trace.window_velocities[i][k], trace.window_inputs[i][k]));
      }
      steps.push_back(at::stack(windows));
    }
    out.emplace_back("window_steps", at::stack(steps));
  }
  return out;
}

}  // namespace animate::probe
