#include "model/tools/probe/component_registry.h"

namespace animate::probe {
namespace {

// Both scheduler cases share the component name; the official UniPC solver
// is recognised by its solver configuration.
io::NamedTensors run_scheduler(const GoldenCase& golden_case) {
  const auto& config = golden_case.config();
  if (config.contains("solver_order") || config.contains("solver_type")) {
    return run_scheduler_unipc(golden_case);
  }
  return run_scheduler_flowmatch(golden_case);
}

struct Route {
  const char* component;
  io::NamedTensors (*runner)(const GoldenCase&);
};

// One row per implemented component (case.json "component").
constexpr Route kRoutes[] = {
    {"clip_vision", run_clip_vision},
    {"tokenizer", run_tokenizer},
    {"t5", run_t5},
    {"scheduler", run_scheduler},
    {"sampling", run_context_windows},
    {"dit", run_dit_forward},
    {"unianimate_pose", run_pose_encoders},
    {"unianimate_lora", run_lora_merge},
    {"teacache", run_teacache},
    {"vae", run_vae},
    {"pipeline", run_pipeline},
};

}  // namespace

ComponentRunner find_runner(const GoldenCase& golden_case) {
  for (const auto& route : kRoutes) {
    if (golden_case.component() == route.component) return route.runner;
  }
  throw NotImplemented("component '" + golden_case.component() + "' (case '" + golden_case.name() +
                       "') is not implemented in this build");
}

}  // namespace animate::probe
