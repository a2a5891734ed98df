// Probe runners for the DiT family: dit (dit_forward, dit_forward_sharded),
// unianimate_pose, unianimate_lora and teacache. Everything is derived from
// case.json (config, params, weights) and the inputs; expected values are
// never read.
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "model/io/error.h"
#include "model/io/open_checkpoint.h"
#include "model/sampling/flow_match_scheduler.h"
#include "model/tools/probe/component_registry.h"
#include "model/unianimate/lora.h"
#include "model/unianimate/pose_encoders.h"
#include "model/unianimate/teacache.h"
#include "model/wan/dit.h"

namespace animate::probe {

namespace {

// The weights of one component: its shard index when there is one, else its
// single file (the float32 one when a case also ships a reduced-precision copy).
std::shared_ptr<const io::TensorSource> open_component_weights(const GoldenCase& golden_case,
                                                               const std::string& component) {
  std::string single;
  bool single_is_f32 = false;
  for (const auto& entry : golden_case.json().at("weights")) {
    if (entry.value("component", "") != component) continue;
    const std::string file = entry.at("file").get<std::string>();
    const std::string format = entry.value("format", "");
    if (format == "json") return io::open_checkpoint(golden_case.weight_path(file).string());
    const bool is_f32 = entry.value("desc", "").find("F32") != std::string::npos;
    if (single.empty() || (is_f32 && !single_is_f32)) {
      single = file;
      single_is_f32 = is_f32;
    }
  }
  if (single.empty()) {
    throw io::ContentError("case '" + golden_case.name() + "' lists no weights for component '" +
                           component + "'");
  }
  return io::open_checkpoint(golden_case.weight_path(single).string());
}

wan::DitConfig dit_config(const GoldenCase& golden_case) {
  return wan::DitConfig::from_json(golden_case.config().dump());
}

wan::WanDiT load_dit(const GoldenCase& golden_case) {
  const auto source = open_component_weights(golden_case, "dit");
  return wan::WanDiT::load(*source, dit_config(golden_case));
}

at::Tensor optional_input(const GoldenCase& golden_case, const std::string& name) {
  return golden_case.has_input(name) ? golden_case.input(name) : at::Tensor();
}

wan::DitInputs dit_inputs(const GoldenCase& golden_case, const std::string& context_name,
                          const std::string& condition_name) {
  wan::DitInputs in;
  in.latents = golden_case.input("x");
  in.timestep = golden_case.input("timestep");
  in.text_context = golden_case.input(context_name);
  in.clip_feature = optional_input(golden_case, "clip_feature");
  in.y = optional_input(golden_case, "y");
  if (!condition_name.empty()) in.add_condition = optional_input(golden_case, condition_name);
  return in;
}

// The forward pass step by step, keeping the intermediates the cases describe.
at::Tensor traced_forward(const wan::WanDiT& dit, const wan::DitInputs& inputs,
                          io::NamedTensors& out) {
  wan::DitCall call = dit.prepare(inputs);
  out.emplace_back("t_emb", call.time_embedding);
  out.emplace_back("t_mod", call.time_modulation);
  out.emplace_back("text_emb", call.text_context);
  if (call.image_context.defined()) out.emplace_back("img_emb", call.image_context);
  out.emplace_back("tokens_in", call.tokens.clone());
  at::Tensor tokens = std::move(call.tokens);
  for (std::int64_t i = 0; i < dit.config().num_layers; ++i) {
    dit.run_block(i, tokens, call);
    out.emplace_back("block_" + std::to_string(i) + "_out", tokens.clone());
  }
  const at::Tensor head = dit.head(tokens, call);
  out.emplace_back("head_out", head);
  return dit.unpatchify(head, call.grid);
}

}  // namespace

io::NamedTensors run_dit_forward(const GoldenCase& golden_case) {
  const wan::WanDiT dit = load_dit(golden_case);
  io::NamedTensors out;
  const at::Tensor with_condition =
      traced_forward(dit, dit_inputs(golden_case, "context", "add_condition"), out);
  out.emplace_back("out", with_condition);
  out.emplace_back("out_no_condition", dit.forward(dit_inputs(golden_case, "context", "")));
  return out;
}

io::NamedTensors run_pose_encoders(const GoldenCase& golden_case) {
  const auto source = open_component_weights(golden_case, "unianimate_pose");
  const auto pose = unianimate::PoseEncoder::load(*source);
  const auto ref = unianimate::RefPoseEncoder::load(*source);
  const at::Tensor frames = golden_case.input("pose_frames");
  const at::Tensor ref_pose = golden_case.input("ref_pose");
  io::NamedTensors out;
  out.emplace_back("pose_tokens", pose.encode(frames));
  out.emplace_back("refpose_feature", ref.encode(ref_pose));
  out.emplace_back("pose_feature_fp32", pose.features(frames));
  out.emplace_back("refpose_feature_fp32", ref.features(ref_pose));
  return out;
}

io::NamedTensors run_lora_merge(const GoldenCase& golden_case) {
  wan::WanDiT dit = load_dit(golden_case);
  const auto checkpoint = open_component_weights(golden_case, "unianimate_lora");
  const wan::DitInputs inputs = dit_inputs(golden_case, "context", "add_condition");
  io::NamedTensors out;
  out.emplace_back("out_base", dit.forward(inputs));
  const double lora_alpha = golden_case.params().value("lora_alpha", 1.0);
  unianimate::merge_unianimate_lora(dit, *checkpoint, lora_alpha);
  for (const auto& item : golden_case.json().at("outputs").items()) {
    const std::string& name = item.key();
    if (name.rfind("weight.", 0) == 0) out.emplace_back(name, dit.parameter(name.substr(7)));
  }
  out.emplace_back("out", dit.forward(inputs));
  return out;
}

io::NamedTensors run_teacache(const GoldenCase& golden_case) {
  const auto& config = golden_case.config();
  const auto& params = golden_case.params();
  const std::vector<double> coefficients =
      config.contains("coefficients")
          ? config.at("coefficients").get<std::vector<double>>()
          : unianimate::teacache_coefficients(config.at("teacache_model_id").get<std::string>());
  io::NamedTensors out;

  // (a) Decisions from a given t_mod sequence, one run per threshold.
  const at::Tensor sequence = golden_case.input("t_mod_sequence");
  const std::int64_t steps = sequence.size(0);
  for (const auto& threshold_json : params.at("thresholds")) {
    const double threshold = threshold_json.get<double>();
    const std::string tag = threshold_json.dump();
    unianimate::TeaCache cache(steps, threshold, coefficients);
    at::Tensor decisions = at::empty({steps}, at::kLong);
    at::Tensor accumulated = at::empty({steps}, at::kDouble);
    at::Tensor rel_l1 = at::empty({steps}, at::kDouble);
    for (std::int64_t i = 0; i < steps; ++i) {
      decisions[i] = cache.should_compute(sequence[i]) ? 1 : 0;
      accumulated[i] = cache.accumulated();
      rel_l1[i] = cache.last_relative_l1();
    }
    out.emplace_back("decisions_" + tag, decisions);
    out.emplace_back("accumulated_" + tag, accumulated);
    out.emplace_back("rel_l1_" + tag, rel_l1);
  }

  // (b) A CFG denoising loop with one TeaCache per branch.
  const wan::WanDiT dit = load_dit(golden_case);
  const std::int64_t loop_steps = params.at("loop_steps").get<std::int64_t>();
  const double loop_threshold = params.at("loop_threshold").get<double>();
  const double cfg_scale = params.at("cfg_scale").get<double>();
  sampling::FlowMatchConfig schedule_config;
  schedule_config.shift = params.at("shift").get<double>();
  sampling::FlowMatchScheduler scheduler(schedule_config);
  scheduler.set_timesteps(loop_steps);

  unianimate::TeaCache posi(loop_steps, loop_threshold, coefficients);
  unianimate::TeaCache nega(loop_steps, loop_threshold, coefficients);
  at::Tensor decisions_posi = at::empty({loop_steps}, at::kLong);
  at::Tensor decisions_nega = at::empty({loop_steps}, at::kLong);
  wan::DitInputs inputs;
  inputs.clip_feature = golden_case.input("clip_feature");
  inputs.y = golden_case.input("y");
  at::Tensor latents = golden_case.input("noise").to(at::kFloat);
  const at::Tensor context_posi = golden_case.input("context_posi");
  const at::Tensor context_nega = golden_case.input("context_nega");
  const at::Tensor pose_tokens = golden_case.input("pose_tokens");
  std::vector<at::Tensor> trajectory{latents};
  for (std::int64_t i = 0; i < loop_steps; ++i) {
    inputs.latents = latents;
    inputs.timestep = scheduler.dit_timestep(i);
    bool computed = false;
    inputs.text_context = context_posi;
    inputs.add_condition = pose_tokens;
    const at::Tensor v_posi = unianimate::forward_with_teacache(dit, inputs, posi, &computed);
    decisions_posi[i] = computed ? 1 : 0;
    inputs.text_context = context_nega;
    inputs.add_condition = at::Tensor();
    const at::Tensor v_nega = unianimate::forward_with_teacache(dit, inputs, nega, &computed);
    decisions_nega[i] = computed ? 1 : 0;
    const at::Tensor v = v_nega + (v_posi - v_nega) * cfg_scale;
    latents = scheduler.step(i, v, latents);
    trajectory.push_back(latents);
  }
  out.emplace_back("loop_decisions_posi", decisions_posi);
  out.emplace_back("loop_decisions_nega", decisions_nega);
  out.emplace_back("loop_latents", at::stack(trajectory));
  out.emplace_back("loop_final", latents);
  return out;
}

}  // namespace animate::probe
