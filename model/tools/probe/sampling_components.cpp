// Probe runners of the sampling cases: scheduler_flowmatch, scheduler_unipc
// and context_windows. Every output is derived from case.json (config,
// params, output names) and the case inputs; expected values are never read.
#include <ATen/ATen.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "model/sampling/context_windows.h"
#include "model/sampling/flow_match_scheduler.h"
#include "model/sampling/unipc_scheduler.h"
#include "model/tools/probe/component_registry.h"

namespace animate::probe {
namespace {

using nlohmann::json;

std::set<std::string> listed_outputs(const GoldenCase& golden_case) {
  std::set<std::string> names;
  for (const auto& item : golden_case.json().at("outputs").items()) names.insert(item.key());
  return names;
}

// Keeps the tensors the case lists, so a run writes exactly the case's outputs
// (the params may imply values the case does not store, e.g. for windows
// where the reference raises).
io::NamedTensors keep_listed(const GoldenCase& golden_case, io::NamedTensors tensors) {
  const std::set<std::string> listed = listed_outputs(golden_case);
  io::NamedTensors kept;
  for (auto& named : tensors) {
    if (listed.count(named.first) != 0) kept.push_back(std::move(named));
  }
  return kept;
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// The integer after `prefix` when `name` is exactly prefix + digits.
std::optional<std::int64_t> trailing_integer(const std::string& name, const std::string& prefix) {
  if (!starts_with(name, prefix) || name.size() == prefix.size()) return std::nullopt;
  const std::string digits = name.substr(prefix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(digits);
}

// ---- scheduler_flowmatch ----

sampling::FlowMatchConfig flow_match_config(const json& config) {
  sampling::FlowMatchConfig result;
  result.num_train_timesteps = config.value("num_train_timesteps", result.num_train_timesteps);
  result.shift = config.value("shift", result.shift);
  result.sigma_max = config.value("sigma_max", result.sigma_max);
  result.sigma_min = config.value("sigma_min", result.sigma_min);
  result.extra_one_step = config.value("extra_one_step", result.extra_one_step);
  result.inverse_timesteps = config.value("inverse_timesteps", result.inverse_timesteps);
  result.reverse_sigmas = config.value("reverse_sigmas", result.reverse_sigmas);
  return result;
}

sampling::FlowMatchScheduler flow_match_schedule(const GoldenCase& golden_case,
                                                 std::int64_t steps) {
  const json& params = golden_case.params();
  sampling::FlowMatchScheduler scheduler(flow_match_config(golden_case.config()));
  scheduler.set_timesteps(steps, params.value("denoising_strength", 1.0));
  return scheduler;
}

}  // namespace

io::NamedTensors run_scheduler_flowmatch(const GoldenCase& golden_case) {
  const json& params = golden_case.params();
  io::NamedTensors outputs;

  for (const auto& steps_json : params.at("steps_list")) {
    const auto steps = steps_json.get<std::int64_t>();
    const sampling::FlowMatchScheduler scheduler = flow_match_schedule(golden_case, steps);
    const std::string n = std::to_string(steps);
    outputs.emplace_back("sigmas_" + n, scheduler.sigmas().clone());
    outputs.emplace_back("timesteps_" + n, scheduler.timesteps().clone());
    // What a bf16 DiffSynth pipeline feeds the DiT, stored as float32.
    outputs.emplace_back("timesteps_" + n + "_bf16",
                         scheduler.timesteps().to(at::kBFloat16).to(at::kFloat));
  }

  const at::Tensor x0 = golden_case.input("x0").to(at::kFloat);
  const at::Tensor velocities = golden_case.input("v").to(at::kFloat);

  // Trajectory: x_(i+1) = step(v_i) from x0 over the steps_traj schedule.
  if (params.contains("steps_traj")) {
    const auto steps = params.at("steps_traj").get<std::int64_t>();
    if (velocities.size(0) < steps) {
      throw std::invalid_argument("scheduler_flowmatch: input v holds " +
                                  std::to_string(velocities.size(0)) +
                                  " model outputs, steps_traj needs " + std::to_string(steps));
    }
    const sampling::FlowMatchScheduler scheduler = flow_match_schedule(golden_case, steps);
    std::vector<at::Tensor> trajectory{x0};
    at::Tensor x = x0;
    for (std::int64_t i = 0; i < steps; ++i) {
      x = scheduler.step(i, velocities[i], x);
      trajectory.push_back(x);
    }
    outputs.emplace_back("trajectory_" + std::to_string(steps), at::stack(trajectory));
  }

  // single_steps_<N>: the reference's step(v[0], timesteps[i], x0), which looks
  // the index up from the timestep value, at each listed index of the N-step schedule.
  for (const std::string& name : listed_outputs(golden_case)) {
    const auto steps = trailing_integer(name, "single_steps_");
    if (!steps) continue;
    const sampling::FlowMatchScheduler scheduler = flow_match_schedule(golden_case, *steps);
    std::vector<at::Tensor> results;
    for (const auto& index_json : params.at("single_step_indices")) {
      const auto index = index_json.get<std::int64_t>();
      results.push_back(scheduler.step_at_timestep(velocities[0], scheduler.timestep(index), x0));
    }
    outputs.emplace_back(name, at::stack(results));
  }
  return keep_listed(golden_case, std::move(outputs));
}

// ---- scheduler_unipc ----

namespace {

sampling::UniPCConfig unipc_config(const json& config) {
  const auto unsupported = [](const std::string& field, const json& value) {
    return std::invalid_argument("scheduler_unipc: unsupported config " + field + " = " +
                                 value.dump());
  };
  sampling::UniPCConfig result;
  result.num_train_timesteps = config.value("num_train_timesteps", result.num_train_timesteps);
  result.solver_order = config.value("solver_order", result.solver_order);
  result.shift = config.value("constructor_shift", result.shift);
  const std::string solver_type = config.value("solver_type", std::string("bh2"));
  if (solver_type == "bh1") {
    result.solver_type = sampling::UniPCSolverType::kBh1;
  } else if (solver_type == "bh2") {
    result.solver_type = sampling::UniPCSolverType::kBh2;
  } else {
    throw unsupported("solver_type", solver_type);
  }
  // The port implements the configuration Wan uses; anything else is refused
  // rather than silently run with different semantics.
  const std::pair<const char*, json> fixed[] = {
      {"prediction_type", "flow_prediction"},
      {"predict_x0", true},
      {"lower_order_final", true},
      {"final_sigmas_type", "zero"},
      {"use_dynamic_shifting", false},
  };
  for (const auto& [field, value] : fixed) {
    if (config.contains(field) && config.at(field) != value) {
      throw unsupported(field, config.at(field));
    }
  }
  return result;
}

// "<N>_shift<k>" as the case spells it: the listed output whose shift text
// parses to `shift`, else k printed like Python's "%g".
std::string unipc_run_suffix(const GoldenCase& golden_case, std::int64_t steps, double shift) {
  const std::string prefix = "timesteps_" + std::to_string(steps) + "_shift";
  for (const std::string& name : listed_outputs(golden_case)) {
    if (!starts_with(name, prefix)) continue;
    const std::string text = name.substr(prefix.size());
    std::size_t used = 0;
    try {
      const double value = std::stod(text, &used);
      if (used == text.size() && value == shift)
        return name.substr(std::string("timesteps_").size());
    } catch (const std::exception&) {
      continue;  // not a number: some other output
    }
  }
  char text[32];
  std::snprintf(text, sizeof text, "%g", shift);
  return std::to_string(steps) + "_shift" + text;
}

}  // namespace

io::NamedTensors run_scheduler_unipc(const GoldenCase& golden_case) {
  const json& params = golden_case.params();
  const sampling::UniPCConfig config = unipc_config(golden_case.config());
  const json& model = params.at("model");
  const auto a = model.at("a").get<double>();
  const auto b = model.at("b").get<double>();
  const auto c = model.at("c").get<double>();

  const at::Tensor x0 = golden_case.input("x0").to(at::kFloat);
  const at::Tensor e1 = golden_case.input("e1").to(at::kFloat);
  const at::Tensor e2 = golden_case.input("e2").to(at::kFloat);

  io::NamedTensors outputs;
  for (const auto& run : params.at("runs")) {
    const auto steps = run.at(0).get<std::int64_t>();
    const auto shift = run.at(1).get<double>();
    sampling::FlowUniPCScheduler scheduler(config);
    scheduler.set_timesteps(steps, shift);

    std::vector<at::Tensor> trajectory{x0};
    at::Tensor x = x0;
    while (!scheduler.finished()) {
      // The stand-in model sees the integer timestep, like the official DiT.
      const double t = static_cast<double>(scheduler.current_timestep());
      const at::Tensor v = x * a + e1 * b + e2 * (c * (t / 1000.0));
      x = scheduler.step(v, x);
      trajectory.push_back(x);
    }

    const std::string suffix = unipc_run_suffix(golden_case, steps, shift);
    outputs.emplace_back("timesteps_" + suffix, scheduler.timesteps_tensor());
    outputs.emplace_back("sigmas_" + suffix, scheduler.sigmas_tensor());
    outputs.emplace_back("trajectory_" + suffix, at::stack(trajectory));
  }
  return keep_listed(golden_case, std::move(outputs));
}

// ---- context_windows ----

io::NamedTensors run_context_windows(const GoldenCase& golden_case) {
  const json& params = golden_case.params();
  const json errors = params.value("errors", json::object());
  io::NamedTensors outputs;
  for (const auto& set : params.at("sets")) {
    sampling::ContextWindowOptions options;
    options.context_size = set.at(0).get<std::int64_t>();
    options.context_overlap = set.at(1).get<std::int64_t>();
    for (const auto& n_json : set.at(2)) {
      const auto n = n_json.get<std::int64_t>();
      const std::string key = "cs" + std::to_string(options.context_size) + "_ov" +
                              std::to_string(options.context_overlap) + "_n" + std::to_string(n);
      const bool reference_raises = errors.contains(key);
      sampling::FrameWindows windows;
      try {
        windows = sampling::context_windows(n, options);
      } catch (const std::invalid_argument&) {
        if (reference_raises) continue;  // raised where the reference raises: parity
        throw;
      }
      if (reference_raises) {
        throw std::runtime_error("context_windows: the reference raises for " + key + " (" +
                                 errors.at(key).dump() + ") but the port produced windows");
      }
      outputs.emplace_back("windows_" + key, sampling::windows_to_tensor(windows));
      outputs.emplace_back("raw_" + key,
                           sampling::windows_to_tensor(sampling::raw_context_windows(n, options)));
    }
  }
  return keep_listed(golden_case, std::move(outputs));
}

}  // namespace animate::probe
