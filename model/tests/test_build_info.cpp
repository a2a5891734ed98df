#include <gtest/gtest.h>
#include <torch/version.h>

#include "model/device/build_info.h"

namespace animate::device {
namespace {

// The production build links a CUDA-enabled LibTorch: its CUDA half must then
// actually be loaded and registered (a link that dropped libtorch_cuda.so, or
// a process that found another libcudart, would leave CUDA tensors unusable
// even on a GPU machine). On a machine without a GPU the device count is 0.
TEST(BuildInfo, CudaHalfIsLoadedExactlyWhenCompiledIn) {
  const BuildInfo info = build_info();
  EXPECT_EQ(info.cuda_compiled, info.cuda_registered) << describe(info);
  if (info.cuda_registered) {
    EXPECT_GE(info.cuda_runtime_version, 11000) << describe(info);
    EXPECT_GE(info.cuda_devices, 0);
  } else {
    EXPECT_EQ(info.cuda_devices, 0);
  }
}

TEST(BuildInfo, DescribesTheLibTorchItRunsOn) {
  const BuildInfo info = build_info();
  EXPECT_EQ(info.torch_version, TORCH_VERSION);
  EXPECT_EQ(TORCH_VERSION_MAJOR, 2) << "the project is built and tested on LibTorch 2.x";
  const std::string line = describe(info);
  EXPECT_NE(line.find("LibTorch " + info.torch_version), std::string::npos) << line;
  EXPECT_NE(line.find(info.cuda_registered ? "CUDA " : "CPU only"), std::string::npos) << line;
  EXPECT_FALSE(info.cpu_capability.empty());
  EXPECT_FALSE(info.parallel.empty()) << line;
}

}  // namespace
}  // namespace animate::device
