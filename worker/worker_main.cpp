// animate-worker: loads the pipeline once, warms it up, then runs jobs from
// the Redis queue until SIGTERM/SIGINT (see worker/worker.h).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "animate/jobs/asset_store.h"
#include "animate/jobs/blob_store.h"
#include "animate/jobs/connection_pool.h"
#include "animate/jobs/job_queue.h"
#include "animate/jobs/persistence.h"
#include "animate/jobs/redis_options.h"
#include "media/ffmpeg_log.h"
#include "model/device/build_info.h"
#include "model/pipeline/animation_pipeline.h"
#include "worker/health_server.h"
#include "worker/log.h"
#include "worker/metrics_server.h"
#include "worker/shutdown_signal.h"
#include "worker/warm_up.h"
#include "worker/worker.h"
#include "worker/worker_config.h"
#include "worker/worker_metrics.h"

namespace {

using animate::worker::log_info;
using animate::worker::log_warning;

std::string default_worker_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "worker") + "-" + std::to_string(getpid());
}

int run(const animate::worker::WorkerConfig& config, animate::worker::ShutdownSignal& signals) {
  namespace jobs = animate::jobs;
  namespace worker = animate::worker;
  const auto start = std::chrono::steady_clock::now();

  worker::WorkerMetrics metrics;
  worker::MetricsServer metrics_server(config.metrics_listen, metrics);
  worker::HealthServer health(config.health_listen);
  log_info("metrics on port " + std::to_string(metrics_server.port()) +
           " (GPU series: " + (metrics_server.has_gpu_metrics() ? "yes" : "no NVML device") +
           "), health on port " + std::to_string(health.port()) + " (NOT_SERVING until warmed up)");

  jobs::RedisOptions redis = jobs::RedisOptions::from_url(config.redis_url);
  redis.key_prefix = config.redis_prefix;
  const auto pool = jobs::ConnectionPool::create(redis);
  {
    auto connection = pool->acquire();
    const auto persistence = jobs::query_persistence(*connection);
    if (persistence && !persistence->durable()) {
      log_warning(
          "Redis runs without durable AOF (appendonly yes, appendfsync always|everysec): "
          "accepted jobs can be lost on a Redis crash");
    }
  }
  jobs::JobQueue queue(pool, jobs::QueueConfig{});
  jobs::BlobStore blobs(pool, jobs::QueueConfig{});
  jobs::AssetStore assets(blobs);

  log_info(animate::device::describe(animate::device::build_info()));
  log_info("loading the pipeline");
  animate::pipeline::AnimationPipeline pipeline(worker::make_pipeline_config(config.model));
  const double warm_up_seconds = worker::warm_up(pipeline);
  const double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics.set_model_load_seconds(load_seconds);
  log_info("ready after " + std::to_string(load_seconds) + " s (warm-up " +
           std::to_string(warm_up_seconds) + " s)");
  if (signals.received()) return 0;

  worker::WorkerOptions options;
  options.worker_id = config.worker_id.empty() ? default_worker_id() : config.worker_id;
  options.lease = config.lease;
  options.x264_preset = config.x264_preset;
  worker::Worker runner(pipeline, queue, assets, &metrics, options);
  health.set_serving(true);
  metrics.set_ready(true);
  std::thread loop([&] { runner.run_until_stopped(); });

  signals.wait();
  log_info("signal " + std::to_string(signals.signal_number()) + ": draining (up to " +
           std::to_string(config.drain.count()) + " s)");
  health.set_serving(false);
  metrics.set_ready(false);
  // A second signal means "now": hand the running job back without waiting.
  std::atomic<bool> drained{false};
  std::thread impatience([&] {
    while (!drained) {
      if (signals.wait_for_count(2, std::chrono::milliseconds(200))) {
        log_info("second signal: handing the running job back now");
        runner.hand_back_running_job();
        return;
      }
    }
  });
  runner.drain(config.drain);
  drained = true;
  impatience.join();
  loop.join();
  log_info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  animate::worker::ShutdownSignal signals;
  try {
    const animate::worker::WorkerConfig config =
        animate::worker::parse_worker_config(std::vector<std::string>(argv + 1, argv + argc));
    if (config.help) {
      std::cout << animate::worker::worker_usage();
      return 0;
    }
    if (!animate::worker::set_log_level(config.log_level)) {
      throw std::invalid_argument("--log-level: expected debug, info, warning or error, got '" +
                                  config.log_level + "'");
    }
    animate::media::set_ffmpeg_log_level(animate::media::FfmpegLogLevel::kError);
    return run(config, signals);
  } catch (const std::exception& error) {
    std::cerr << "animate-worker: error: " << error.what() << "\n";
    return 1;
  }
}
