// animate-worker: loads the pipeline once, warms it up, then runs jobs from
// the Redis queue until SIGTERM/SIGINT (see worker/queue/worker.h). Logs,
// flags, the status endpoint and the stop protocol are common/'s runtime.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "animate/jobs/asset_store.h"
#include "animate/jobs/blob_store.h"
#include "animate/jobs/connection_pool.h"
#include "animate/jobs/job_queue.h"
#include "animate/jobs/jobs_error.h"
#include "animate/jobs/persistence.h"
#include "animate/jobs/redis_options.h"
#include "animate/jobs/shared_queue_settings.h"
#include "animate/runtime/graceful_stop.h"
#include "animate/runtime/logger.h"
#include "animate/runtime/process_signals.h"
#include "animate/runtime/service_flags.h"
#include "animate/runtime/status_endpoint.h"
#include "media/ffmpeg_log.h"
#include "model/device/build_info.h"
#include "model/pipeline/animation_pipeline.h"
#include "worker/queue/health_server.h"
#include "worker/queue/warm_up.h"
#include "worker/queue/worker.h"
#include "worker/queue/worker_config.h"
#include "worker/queue/worker_metrics.h"
#include "worker/queue/worker_status.h"

namespace {

using namespace animate;

std::string default_worker_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "worker") + "-" + std::to_string(getpid());
}

// Reads the settings animate-server publishes, waiting (and saying so, in the
// log and on /readyz) while there are none yet. nullopt when a stop signal
// arrives first.
std::optional<jobs::SharedQueueSettings> wait_for_shared_settings(
    jobs::ConnectionPool& pool, const runtime::ProcessSignals& signals,
    worker::WorkerStatus& status, const runtime::Logger& logger) {
  bool told = false;
  while (signals.stop_count() == 0) {
    try {
      if (auto settings = jobs::read_shared_settings(pool)) {
        logger.info("queue configuration from the server", {{"settings", settings->describe()}});
        return settings;
      }
    } catch (const jobs::JobsError& error) {
      logger.warning("cannot read the queue configuration (will retry)", {{"error", error.what()}});
    }
    if (!told) {
      logger.warning("waiting for animate-server to publish the queue configuration in Redis");
      status.set_not_ready(nullptr, "waiting for the server's queue configuration");
      told = true;
    }
    signals.wait_for_stops(1, std::chrono::seconds(1));
  }
  return std::nullopt;
}

int run(const worker::WorkerConfig& config, runtime::ProcessSignals& signals,
        const runtime::Logger& logger) {
  const auto start = std::chrono::steady_clock::now();

  jobs::RedisOptions redis = jobs::RedisOptions::from_url(config.redis.url);
  redis.key_prefix = config.redis.prefix;

  worker::WorkerMetrics metrics;
  worker::WorkerStatus status(metrics, worker::NvmlCollector::open());
  const runtime::StatusEndpoint endpoint(config.metrics_listen, status.sources());
  worker::HealthServer health(config.health_listen);
  logger.info("listening", {{"status_port", endpoint.port()},
                            {"gpu_series", status.has_gpu_metrics()},
                            {"health_port", health.port()},
                            {"ready", false}});
  signals.on_reload([&logger] {
    logger.info("SIGHUP: nothing to reload (restart the worker to change its configuration)");
  });

  const auto pool = jobs::ConnectionPool::create(redis);
  {
    auto connection = pool->acquire();
    const auto persistence = jobs::query_persistence(*connection);
    if (persistence && !persistence->durable()) {
      logger.warning(
          "Redis runs without durable AOF (appendonly yes, appendfsync always|everysec): "
          "accepted jobs can be lost on a Redis crash");
    }
  }
  // The queue settings shared with the server (per-tenant running limit,
  // retention, event and blob layout) come from the server, never from this
  // process's defaults.
  const std::optional<jobs::SharedQueueSettings> shared =
      wait_for_shared_settings(*pool, signals, status, logger);
  if (!shared) return 0;  // stopped while waiting
  status.set_not_ready(nullptr, "loading the pipeline");
  const jobs::QueueConfig queue_config = shared->applied_to(jobs::QueueConfig{});
  jobs::JobQueue queue(pool, queue_config);
  jobs::BlobStore blobs(pool, queue_config);
  jobs::AssetStore assets(blobs);

  logger.info(device::describe(device::build_info()));
  logger.info("loading the pipeline");
  // Nothing is claimed while loading (minutes on real weights), so a stop
  // signal then has nothing to drain: exit at once instead of after the load.
  std::atomic<bool> loading{true};
  std::thread load_watch([&] {
    while (loading) {
      if (signals.wait_for_stops(1, std::chrono::milliseconds(100))) {
        if (loading) runtime::exit_now(logger, 0, "stop signal while loading: no job to drain");
        return;
      }
    }
  });
  const auto loaded = [&] {
    loading = false;
    load_watch.join();
  };
  std::unique_ptr<pipeline::AnimationPipeline> pipeline_holder;
  double warm_up_seconds = 0.0;
  try {
    pipeline_holder =
        std::make_unique<pipeline::AnimationPipeline>(worker::make_pipeline_config(config.model));
    warm_up_seconds = worker::warm_up(*pipeline_holder);
  } catch (...) {
    loaded();
    throw;
  }
  loaded();
  pipeline::AnimationPipeline& pipeline = *pipeline_holder;
  const double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics.set_model_load_seconds(load_seconds);
  logger.info("ready", {{"load_s", load_seconds}, {"warm_up_s", warm_up_seconds}});
  if (signals.stop_count() > 0) return 0;

  worker::WorkerOptions options;
  options.worker_id = config.worker_id.empty() ? default_worker_id() : config.worker_id;
  options.lease = config.lease;
  options.x264_preset = config.x264_preset;
  options.logger = logger;
  worker::Worker runner(pipeline, queue, assets, &metrics, options);
  status.set_ready(&health);
  std::thread loop([&] { runner.run_until_stopped(); });

  // SIGTERM: stop claiming, give the running job --drain-seconds; a second
  // one hands it back at once (no attempt used) instead of waiting.
  runtime::drain_on_stop_signal(signals, logger,
                                {[&] {
                                   status.set_not_ready(&health, "draining");
                                   logger.info("draining", {{"grace_s", config.drain.count()}});
                                   runner.drain(config.drain);
                                 },
                                 [&] { runner.hand_back_running_job(); }});
  loop.join();
  signals.on_reload(nullptr);
  logger.info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  worker::WorkerConfig config;
  const auto exit_code = runtime::read_command_line(
      "animate-worker",
      [&] {
        config = worker::parse_worker_config(std::vector<std::string>(argv + 1, argv + argc));
        return !config.help;
      },
      worker::worker_usage);
  if (exit_code) return *exit_code;
  runtime::Logger logger("worker", runtime::logger_options(config.log));
  try {
    runtime::ProcessSignals signals;
    logger.add_secret(jobs::RedisOptions::from_url(config.redis.url).password);
    media::set_ffmpeg_log_level(media::FfmpegLogLevel::kError);
    media::set_ffmpeg_log_sink([logger](media::FfmpegLogLevel, std::string_view line) {
      logger.warning(line, {{"source", "ffmpeg"}});
    });
    return run(config, signals, logger);
  } catch (const std::exception& error) {
    logger.error("cannot run", {{"error", error.what()}});
    return 1;
  }
}
