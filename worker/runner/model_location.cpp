#include "worker/runner/model_location.h"

#include <ATen/Context.h>

#include <stdexcept>

#include "model/cpu/cpu_threads.h"

namespace animate::worker {
namespace {

c10::Device resolve_device(const std::string& name) {
  if (name.empty()) return at::hasCUDA() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  c10::Device device(c10::kCPU);
  try {
    device = c10::Device(name);
  } catch (const std::exception&) {
    throw std::invalid_argument("--device: unknown device '" + name + "' (use cpu or cuda[:N])");
  }
  if (device.is_cuda() && !at::hasCUDA()) {
    throw std::invalid_argument("--device " + name +
                                ": this build or machine has no CUDA device (use cpu)");
  }
  return device;
}

}  // namespace

pipeline::PipelineConfig make_pipeline_config(const ModelLocation& location) {
  const bool has_root = !location.model_root.empty();
  const bool has_official = !location.weights.empty() || !location.unianimate.empty();
  if (has_root == has_official) {
    throw std::invalid_argument(
        "give either --model-root DIR or both --weights DIR and --unianimate CKPT");
  }
  if (has_official && (location.weights.empty() || location.unianimate.empty())) {
    throw std::invalid_argument("--weights and --unianimate must be given together");
  }
  if (location.threads < 0) throw std::invalid_argument("--threads must be >= 0");
  // LibTorch's pool and OpenBLAS's alike (the DiT runs its products on the
  // former, other float32 matmuls still use the latter).
  if (location.threads > 0) cpu::set_cpu_threads(location.threads);

  pipeline::PipelineConfig config =
      has_root
          ? pipeline::PipelineConfig::from_model_root(location.model_root)
          : pipeline::PipelineConfig::from_official_folder(location.weights, location.unianimate);
  config.device = resolve_device(location.device);
  if (config.device.is_cuda()) {
    config.dtype = at::kBFloat16;
    config.clip_dtype = at::kBFloat16;
  }
  return config;
}

}  // namespace animate::worker
