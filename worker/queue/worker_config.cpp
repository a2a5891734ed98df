#include "worker/queue/worker_config.h"

namespace animate::worker {
namespace {

constexpr int kMaxThreads = 4096;

// The flags, bound to `config` (whose values are the defaults --help shows).
runtime::FlagSet flags_of(WorkerConfig& config, std::string& model_root, std::string& weights,
                          std::string& unianimate) {
  runtime::FlagSet flags(
      "animate-worker",
      "Needs --model-root DIR, or --weights DIR with --unianimate CKPT.\n\n"
      "Loads the UniAnimate-DiT pipeline once, reports ready after a warm-up job, then claims\n"
      "jobs from Redis, runs them and streams progress and MP4 chunks back. /metrics,\n"
      "/healthz and /readyz are served on --metrics-listen. SIGTERM/SIGINT: stop claiming,\n"
      "finish the running job within --drain-seconds or hand it back; a second signal hands\n"
      "it back at once. SIGHUP: nothing to reload (logged; it no longer ends the process).");
  flags
      .text("model-root",
            "model folder (Wan2.1-I2V-14B-720P/ + checkpoints/), e.g. from animate-tiny-model",
            model_root)
      .text("weights", "the Wan2.1-I2V-14B-720P folder", weights)
      .text("unianimate", "the UniAnimate .ckpt", unianimate)
      .env("ANIMATE_UNIANIMATE_CKPT")
      .text("device", "cpu, cuda or cuda:N", config.model.device)
      .shown_default("cuda if available, else cpu")
      .integer("threads", "CPU threads for LibTorch (0 = LibTorch's default)", config.model.threads,
               0, kMaxThreads)
      .text("health-listen", "gRPC health service address", config.health_listen)
      .text("metrics-listen", "/metrics, /healthz, /readyz HTTP address", config.metrics_listen);
  runtime::add_redis_flags(flags, config.redis);
  runtime::add_logging_flags(flags, config.log)
      .seconds("lease-seconds", "job lease; a worker silent this long loses its job", config.lease)
      .seconds("drain-seconds",
               "on SIGTERM/SIGINT: time the running job gets before it is handed back",
               config.drain)
      .text("worker-id", "name of this worker in job records", config.worker_id)
      .shown_default("<hostname>-<pid>")
      .choice("x264-preset", "x264 speed preset of the result video", config.x264_preset,
              {"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
               "veryslow", "placebo"});
  return flags;
}

}  // namespace

WorkerConfig parse_worker_config(const std::vector<std::string>& args,
                                 const runtime::EnvLookup& env) {
  WorkerConfig config;
  std::string model_root, weights, unianimate;
  config.help = !flags_of(config, model_root, weights, unianimate).parse(args, env);
  config.model.model_root = model_root;
  config.model.weights = weights;
  config.model.unianimate = unianimate;
  return config;
}

std::string worker_usage() {
  WorkerConfig defaults;
  std::string model_root, weights, unianimate;
  return flags_of(defaults, model_root, weights, unianimate).usage();
}

}  // namespace animate::worker
