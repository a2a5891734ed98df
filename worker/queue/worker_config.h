#pragma once
// animate-worker's configuration, read by common/'s flag reader: every flag
// has an ANIMATE_* environment variable (docs/service-contract.md); flags win
// over the environment, which wins over the defaults.
#include <chrono>
#include <string>
#include <vector>

#include "animate/runtime/flag_set.h"
#include "animate/runtime/service_flags.h"
#include "worker/runner/model_location.h"

namespace animate::worker {

struct WorkerConfig {
  ModelLocation model;
  runtime::RedisSettings redis;
  std::string health_listen = "0.0.0.0:50052";
  std::string metrics_listen = "0.0.0.0:9091";
  runtime::LogSettings log;
  std::string worker_id;  // empty = <hostname>-<pid>
  std::chrono::seconds lease{60};
  std::chrono::seconds drain{300};
  std::string x264_preset = "medium";
  bool help = false;
};

// Throws runtime::FlagError naming the flag (or variable) and the problem.
WorkerConfig parse_worker_config(const std::vector<std::string>& args,
                                 const runtime::EnvLookup& env = runtime::process_environment());
std::string worker_usage();

}  // namespace animate::worker
