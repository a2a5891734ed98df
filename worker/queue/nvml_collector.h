#pragma once
// GPU series from NVML, read at scrape time. libnvidia-ml.so.1 comes with the
// NVIDIA driver, not with our build, so it is loaded with dlopen: on a machine
// without it (or without any GPU) open() returns null and the animate_gpu_*
// series simply do not exist (never invented zeros).
#include <prometheus/collectable.h>

#include <memory>
#include <vector>

namespace animate::worker {

class NvmlCollector : public prometheus::Collectable {
 public:
  // Null when NVML cannot be loaded or initialised, or reports no device.
  static std::shared_ptr<NvmlCollector> open();
  ~NvmlCollector() override;
  NvmlCollector(const NvmlCollector&) = delete;
  NvmlCollector& operator=(const NvmlCollector&) = delete;

  unsigned int device_count() const { return device_count_; }

  // animate_gpu_utilization_ratio, _memory_used_bytes, _memory_total_bytes,
  // _power_watts, one sample per device (label gpu = NVML index). A reading
  // NVML refuses for a device is left out for that device.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct Api;
  NvmlCollector(std::unique_ptr<Api> api, unsigned int device_count);

  std::unique_ptr<Api> api_;
  unsigned int device_count_;
};

}  // namespace animate::worker
