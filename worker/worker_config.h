#pragma once
// animate-worker's configuration: every flag has an environment variable
// (docs/service-contract.md); flags win over the environment, which wins
// over the defaults.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "worker/model_location.h"

namespace animate::worker {

struct WorkerConfig {
  ModelLocation model;
  std::string redis_url = "redis://127.0.0.1:6379/0";
  std::string redis_prefix = "animate:";
  std::string health_listen = "0.0.0.0:50052";
  std::string metrics_listen = "0.0.0.0:9091";
  std::string log_level = "info";
  std::string worker_id;  // empty = <hostname>-<pid>
  std::chrono::seconds lease{60};
  std::chrono::seconds drain{300};
  std::string x264_preset = "medium";
  bool help = false;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// getenv.
std::optional<std::string> process_env(const std::string& name);

// Throws std::invalid_argument naming the flag (or variable) and the problem.
WorkerConfig parse_worker_config(const std::vector<std::string>& args,
                                 const EnvLookup& env = process_env);
std::string worker_usage();

}  // namespace animate::worker
