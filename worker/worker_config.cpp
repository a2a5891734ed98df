#include "worker/worker_config.h"

#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace animate::worker {
namespace {

struct Option {
  const char* flag;
  const char* env;       // nullptr = flag only
  const char* fallback;  // the default as --help shows it
  const char* help;
  std::function<void(WorkerConfig&, const std::string& source, const std::string& value)> apply;
};

long parse_positive(const std::string& source, const std::string& value) {
  std::istringstream in(value);
  long number = 0;
  in >> number;
  if (in.fail() || !in.eof() || number <= 0) {
    throw std::invalid_argument(source + ": expected a positive whole number, got '" + value + "'");
  }
  return number;
}

const std::vector<Option>& options() {
  static const std::vector<Option> table = {
      {"--model-root", "ANIMATE_MODEL_ROOT", "(unset)",
       "model folder (Wan2.1-I2V-14B-720P/ + checkpoints/), e.g. from animate-tiny-model",
       [](WorkerConfig& c, auto&, auto& v) { c.model.model_root = v; }},
      {"--weights", "ANIMATE_WEIGHTS", "(unset)", "the Wan2.1-I2V-14B-720P folder",
       [](WorkerConfig& c, auto&, auto& v) { c.model.weights = v; }},
      {"--unianimate", "ANIMATE_UNIANIMATE_CKPT", "(unset)", "the UniAnimate .ckpt",
       [](WorkerConfig& c, auto&, auto& v) { c.model.unianimate = v; }},
      {"--device", "ANIMATE_DEVICE", "cuda if available, else cpu", "cpu, cuda or cuda:N",
       [](WorkerConfig& c, auto&, auto& v) { c.model.device = v; }},
      {"--threads", "ANIMATE_THREADS", "LibTorch's default", "CPU threads for LibTorch",
       [](WorkerConfig& c, auto& s, auto& v) {
         c.model.threads = static_cast<int>(parse_positive(s, v));
       }},
      {"--redis-url", "ANIMATE_REDIS_URL", "redis://127.0.0.1:6379/0",
       "redis://[:password@]host[:port][/db]",
       [](WorkerConfig& c, auto&, auto& v) { c.redis_url = v; }},
      {"--redis-prefix", "ANIMATE_REDIS_PREFIX", "animate:", "prefix of every Redis key",
       [](WorkerConfig& c, auto&, auto& v) { c.redis_prefix = v; }},
      {"--health-listen", "ANIMATE_HEALTH_LISTEN", "0.0.0.0:50052", "gRPC health service address",
       [](WorkerConfig& c, auto&, auto& v) { c.health_listen = v; }},
      {"--metrics-listen", "ANIMATE_METRICS_LISTEN", "0.0.0.0:9091", "Prometheus /metrics address",
       [](WorkerConfig& c, auto&, auto& v) { c.metrics_listen = v; }},
      {"--log-level", "ANIMATE_LOG_LEVEL", "info", "debug, info, warning or error",
       [](WorkerConfig& c, auto&, auto& v) { c.log_level = v; }},
      {"--lease-seconds", "ANIMATE_LEASE_SECONDS", "60",
       "job lease; a worker silent this long loses its job",
       [](WorkerConfig& c, auto& s, auto& v) {
         c.lease = std::chrono::seconds(parse_positive(s, v));
       }},
      {"--drain-seconds", "ANIMATE_DRAIN_SECONDS", "300",
       "on SIGTERM/SIGINT: time the running job gets before it is handed back",
       [](WorkerConfig& c, auto& s, auto& v) {
         c.drain = std::chrono::seconds(parse_positive(s, v));
       }},
      {"--worker-id", "ANIMATE_WORKER_ID", "<hostname>-<pid>", "name of this worker in job records",
       [](WorkerConfig& c, auto&, auto& v) { c.worker_id = v; }},
      {"--x264-preset", "ANIMATE_X264_PRESET", "medium", "x264 speed preset of the result video",
       [](WorkerConfig& c, auto&, auto& v) { c.x264_preset = v; }},
  };
  return table;
}

}  // namespace

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

WorkerConfig parse_worker_config(const std::vector<std::string>& args, const EnvLookup& env) {
  WorkerConfig config;
  for (const Option& option : options()) {
    if (option.env == nullptr) continue;
    if (const auto value = env(option.env)) option.apply(config, option.env, *value);
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    if (flag == "-h" || flag == "--help") {
      config.help = true;
      return config;
    }
    std::optional<std::string> value;
    if (const auto eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    const Option* match = nullptr;
    for (const Option& option : options()) {
      if (flag == option.flag) match = &option;
    }
    if (match == nullptr) throw std::invalid_argument("unknown argument '" + args[i] + "'");
    if (!value) {
      if (i + 1 >= args.size()) throw std::invalid_argument(flag + " needs a value");
      value = args[++i];
    }
    match->apply(config, flag, *value);
  }
  return config;
}

std::string worker_usage() {
  std::ostringstream out;
  out << "usage: animate-worker (--model-root DIR | --weights DIR --unianimate CKPT) [options]\n\n"
         "Loads the UniAnimate-DiT pipeline once, reports ready after a warm-up job, then claims\n"
         "jobs from Redis, runs them and streams progress and MP4 chunks back. SIGTERM/SIGINT:\n"
         "stop claiming, finish the running job within --drain-seconds or hand it back.\n\n"
         "Every flag can also be set by its environment variable; flags win.\n\n";
  for (const Option& option : options()) {
    out << "  " << option.flag << " VALUE";
    if (option.env != nullptr) out << "  (env " << option.env << ")";
    out << "\n      " << option.help << "; default: " << option.fallback << "\n";
  }
  out << "  -h, --help\n      this text\n";
  return out.str();
}

}  // namespace animate::worker
