#pragma once
// What LibTorch this process runs on: printed by `animate-probe build-info`
// (scripts/test.sh logs it) and by the worker at start, so a log says which
// build produced it and whether its CUDA half is there.
#include <string>

namespace animate::device {

struct BuildInfo {
  std::string torch_version;      // LibTorch's TORCH_VERSION, e.g. "2.15.0"
  bool cuda_compiled = false;     // CMake found a CUDA-enabled LibTorch (ANIMATE_TORCH_CUDA)
  bool cuda_registered = false;   // libtorch_cuda is loaded and its hooks registered
  long cuda_runtime_version = 0;  // CUDA runtime libtorch_cuda was built with (13020 = 13.2)
  long cudnn_version = 0;         // cuDNN libtorch_cuda was built with (0: none)
  int cuda_devices = 0;           // GPUs visible now (0 without a GPU or driver)
  std::string cpu_capability;     // ATen's kernels' instruction set (AVX512, AVX2, ...)
  std::string parallel;           // ATen's parallel backend, threads and BLAS (one line)
};

BuildInfo build_info();

// One line: "LibTorch 2.15.0, CUDA 13.2 (cuDNN 9.26), 0 CUDA devices, CPU kernels AVX512; ..."
std::string describe(const BuildInfo& info);

}  // namespace animate::device
