#include "model/device/build_info.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>

#include <sstream>

#ifndef ANIMATE_TORCH_CUDA
#define ANIMATE_TORCH_CUDA 0
#endif

namespace animate::device {

namespace {

std::string version_string(long version, long major_div, long minor_div, long minor_mod) {
  std::ostringstream out;
  out << version / major_div << '.' << (version / minor_div) % minor_mod;
  return out.str();
}

// at::get_parallel_info() is several lines; keep the ones that say how many
// threads, which OpenMP and which math libraries (MKL, oneDNN), trimmed.
std::string parallel_summary() {
  std::istringstream in(at::get_parallel_info());
  std::string line, out;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t");
    const auto last = line.find_last_not_of(" \t\r");
    if (first == std::string::npos) continue;
    line = line.substr(first, last - first + 1);
    const bool keep = line.rfind("at::get_num_threads", 0) == 0 || line.rfind("OpenMP", 0) == 0 ||
                      line.rfind("Intel(R)", 0) == 0 || line.rfind("MKL", 0) == 0;
    if (!keep) continue;
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out;
}

}  // namespace

BuildInfo build_info() {
  BuildInfo info;
  info.torch_version = TORCH_VERSION;
  info.cuda_compiled = ANIMATE_TORCH_CUDA != 0;
  const at::CUDAHooksInterface& cuda = at::detail::getCUDAHooks();
  info.cuda_registered = cuda.isBuilt();
  if (info.cuda_registered) {
    info.cuda_runtime_version = cuda.versionCUDART();
    try {
      info.cudnn_version = cuda.versionCuDNN();
    } catch (const c10::Error&) {
      info.cudnn_version = 0;  // libtorch_cuda built without cuDNN
    }
    info.cuda_devices = static_cast<int>(cuda.deviceCount());
  }
  info.cpu_capability = at::get_cpu_capability();
  info.parallel = parallel_summary();
  return info;
}

std::string describe(const BuildInfo& info) {
  std::ostringstream out;
  out << "LibTorch " << info.torch_version;
  if (info.cuda_registered) {
    out << ", CUDA " << version_string(info.cuda_runtime_version, 1000, 10, 100);
    if (info.cudnn_version > 0) {
      out << " (cuDNN " << version_string(info.cudnn_version, 10000, 100, 100) << ')';
    }
    out << ", " << info.cuda_devices << " CUDA device" << (info.cuda_devices == 1 ? "" : "s");
  } else if (info.cuda_compiled) {
    out << ", CUDA compiled in but libtorch_cuda not loaded";
  } else {
    out << ", CPU only";
  }
  if (!info.cpu_capability.empty()) out << ", CPU kernels " << info.cpu_capability;
  if (!info.parallel.empty()) out << "; " << info.parallel;
  return out.str();
}

}  // namespace animate::device
