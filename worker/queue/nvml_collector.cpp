#include "worker/queue/nvml_collector.h"

#include <dlfcn.h>
#include <prometheus/metric_family.h>

#include <string>

namespace animate::worker {
namespace {

// The few NVML declarations used, as the NVML API reference documents them
// (nvml.h is not installed without the CUDA toolkit).
using nvmlReturn_t = int;
constexpr nvmlReturn_t kNvmlSuccess = 0;
struct nvmlDevice_st;
using nvmlDevice_t = nvmlDevice_st*;
struct nvmlUtilization_t {
  unsigned int gpu;
  unsigned int memory;
};
struct nvmlMemory_t {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

struct LibraryCloser {
  void operator()(void* handle) const { dlclose(handle); }
};

template <typename F>
F symbol(void* library, const char* name) {
  return reinterpret_cast<F>(dlsym(library, name));
}

}  // namespace

struct NvmlCollector::Api {
  std::unique_ptr<void, LibraryCloser> library;
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  nvmlReturn_t (*device_count)(unsigned int*) = nullptr;
  nvmlReturn_t (*device_by_index)(unsigned int, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*utilization)(nvmlDevice_t, nvmlUtilization_t*) = nullptr;
  nvmlReturn_t (*memory)(nvmlDevice_t, nvmlMemory_t*) = nullptr;
  nvmlReturn_t (*power)(nvmlDevice_t, unsigned int*) = nullptr;  // milliwatts
  bool initialised = false;

  ~Api() {
    if (initialised) shutdown();
  }
};

std::shared_ptr<NvmlCollector> NvmlCollector::open() {
  auto api = std::make_unique<Api>();
  api->library.reset(dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL));
  if (!api->library) return nullptr;
  void* lib = api->library.get();
  api->init = symbol<decltype(api->init)>(lib, "nvmlInit_v2");
  api->shutdown = symbol<decltype(api->shutdown)>(lib, "nvmlShutdown");
  api->device_count = symbol<decltype(api->device_count)>(lib, "nvmlDeviceGetCount_v2");
  api->device_by_index =
      symbol<decltype(api->device_by_index)>(lib, "nvmlDeviceGetHandleByIndex_v2");
  api->utilization = symbol<decltype(api->utilization)>(lib, "nvmlDeviceGetUtilizationRates");
  api->memory = symbol<decltype(api->memory)>(lib, "nvmlDeviceGetMemoryInfo");
  api->power = symbol<decltype(api->power)>(lib, "nvmlDeviceGetPowerUsage");
  if (!api->init || !api->shutdown || !api->device_count || !api->device_by_index ||
      !api->utilization || !api->memory || !api->power) {
    return nullptr;
  }
  if (api->init() != kNvmlSuccess) return nullptr;
  api->initialised = true;
  unsigned int count = 0;
  if (api->device_count(&count) != kNvmlSuccess || count == 0) return nullptr;
  return std::shared_ptr<NvmlCollector>(new NvmlCollector(std::move(api), count));
}

NvmlCollector::NvmlCollector(std::unique_ptr<Api> api, unsigned int device_count)
    : api_(std::move(api)), device_count_(device_count) {}

NvmlCollector::~NvmlCollector() = default;

std::vector<prometheus::MetricFamily> NvmlCollector::Collect() const {
  auto family = [](const char* name, const char* help) {
    prometheus::MetricFamily f;
    f.name = name;
    f.help = help;
    f.type = prometheus::MetricType::Gauge;
    return f;
  };
  prometheus::MetricFamily utilization =
      family("animate_gpu_utilization_ratio", "NVML GPU utilisation / 100.");
  prometheus::MetricFamily used = family("animate_gpu_memory_used_bytes", "NVML memory used.");
  prometheus::MetricFamily total = family("animate_gpu_memory_total_bytes", "NVML memory total.");
  prometheus::MetricFamily power = family("animate_gpu_power_watts", "NVML power draw.");
  auto sample = [](prometheus::MetricFamily& f, unsigned int index, double value) {
    prometheus::ClientMetric metric;
    metric.label.push_back({"gpu", std::to_string(index)});
    metric.gauge.value = value;
    f.metric.push_back(std::move(metric));
  };
  for (unsigned int i = 0; i < device_count_; ++i) {
    nvmlDevice_t device = nullptr;
    if (api_->device_by_index(i, &device) != kNvmlSuccess) continue;
    nvmlUtilization_t rates{};
    if (api_->utilization(device, &rates) == kNvmlSuccess)
      sample(utilization, i, rates.gpu / 100.0);
    nvmlMemory_t memory{};
    if (api_->memory(device, &memory) == kNvmlSuccess) {
      sample(used, i, static_cast<double>(memory.used));
      sample(total, i, static_cast<double>(memory.total));
    }
    unsigned int milliwatts = 0;
    if (api_->power(device, &milliwatts) == kNvmlSuccess) sample(power, i, milliwatts / 1000.0);
  }
  std::vector<prometheus::MetricFamily> families;
  for (auto* f : {&utilization, &used, &total, &power}) {
    if (!f->metric.empty()) families.push_back(std::move(*f));
  }
  return families;
}

}  // namespace animate::worker
