// The worker's endpoints and configuration: gRPC health (NOT_SERVING until
// ready), the status endpoint with the contract's series (no GPU series on a
// machine without NVML) and one readiness behind /readyz, the gRPC health and
// animate_worker_ready; flags over environment variables.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "animate/runtime/status_endpoint.h"
#include "animate/testing/grpc_health_probe.h"
#include "animate/testing/http_probe.h"
#include "worker/queue/health_server.h"
#include "worker/queue/nvml_collector.h"
#include "worker/queue/worker_config.h"
#include "worker/queue/worker_metrics.h"
#include "worker/queue/worker_status.h"

namespace animate::worker {
namespace {

using animate::testing::grpc_health_status;
using animate::testing::http_request;

TEST(HealthServer, NotServingUntilReadyThenServingThenDraining) {
  HealthServer health("127.0.0.1:0");
  ASSERT_GT(health.port(), 0);
  EXPECT_EQ(grpc_health_status(health.port()), 2);
  health.set_serving(true);
  EXPECT_EQ(grpc_health_status(health.port()), 1);
  health.set_serving(false);
  EXPECT_EQ(grpc_health_status(health.port()), 2);
}

TEST(WorkerStatus, ServesTheContractSeriesAndNoInventedGpuSeries) {
  WorkerMetrics metrics;
  metrics.set_model_load_seconds(1.5);
  metrics.observe_stage(RunStage::kDenoising, 2.0);
  WorkerStatus status(metrics, NvmlCollector::open());
  HealthServer health("127.0.0.1:0");
  const runtime::StatusEndpoint server("127.0.0.1:0", status.sources());
  ASSERT_GT(server.port(), 0);
  EXPECT_EQ(http_request(server.port(), "/other").status, 404);

  // One readiness, three views of it.
  auto readyz = http_request(server.port(), "/readyz");
  EXPECT_EQ(readyz.status, 503);
  EXPECT_EQ(readyz.body, "loading the pipeline\n");
  EXPECT_EQ(grpc_health_status(health.port()), 2);
  EXPECT_NE(http_request(server.port(), "/metrics").body.find("animate_worker_ready 0"),
            std::string::npos);
  status.set_ready(&health);
  EXPECT_EQ(http_request(server.port(), "/readyz").status, 200);
  EXPECT_EQ(grpc_health_status(health.port()), 1);
  EXPECT_EQ(http_request(server.port(), "/healthz").status, 200);

  const auto scrape = http_request(server.port(), "/metrics");
  ASSERT_EQ(scrape.status, 200);
  const std::string& reply = scrape.body;
  for (const char* series :
       {"animate_queue_wait_seconds_bucket", "animate_stage_duration_seconds_bucket",
        "animate_denoise_step_seconds_bucket", "animate_job_run_seconds_bucket",
        "animate_jobs_finished_total{state=\"succeeded\"} 0", "animate_jobs_running 0",
        "animate_model_load_seconds 1.5", "animate_worker_ready 1",
        "animate_stage_duration_seconds_count{stage=\"denoising\"} 1",
        "animate_stage_duration_seconds_bucket{stage=\"preparing_inputs\",le=\"0.1\"} 0",
        "animate_queue_wait_seconds_bucket{le=\"7200\"} 0"}) {
    EXPECT_NE(reply.find(series), std::string::npos) << series << " missing in\n" << reply;
  }
  // Only what the contract lists: every series of ours starts with animate_.
  EXPECT_EQ(reply.find("\nprocess_"), std::string::npos);

  // GPU series exist exactly when NVML finds a device.
  const bool has_gpu = NvmlCollector::open() != nullptr;
  EXPECT_EQ(status.has_gpu_metrics(), has_gpu);
  if (has_gpu) {
    EXPECT_NE(reply.find("animate_gpu_memory_total_bytes{gpu=\"0\"}"), std::string::npos);
  } else {
    EXPECT_EQ(reply.find("animate_gpu_"), std::string::npos) << reply;
  }

  status.set_not_ready(&health, "draining");
  readyz = http_request(server.port(), "/readyz");
  EXPECT_EQ(readyz.status, 503);
  EXPECT_EQ(readyz.body, "draining\n");
  EXPECT_EQ(grpc_health_status(health.port()), 2);
  EXPECT_NE(http_request(server.port(), "/metrics").body.find("animate_worker_ready 0"),
            std::string::npos);
}

TEST(WorkerConfig, DefaultsEnvironmentAndFlagsWin) {
  std::map<std::string, std::string> env;
  auto lookup = [&](const std::string& name) -> std::optional<std::string> {
    const auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  const WorkerConfig defaults = parse_worker_config({}, lookup);
  EXPECT_EQ(defaults.redis.url, "redis://127.0.0.1:6379/0");
  EXPECT_EQ(defaults.health_listen, "0.0.0.0:50052");
  EXPECT_EQ(defaults.metrics_listen, "0.0.0.0:9091");
  EXPECT_EQ(defaults.lease.count(), 60);
  EXPECT_EQ(defaults.drain.count(), 300);
  EXPECT_EQ(defaults.redis.prefix, "animate:");

  env["ANIMATE_REDIS_URL"] = "redis://redis:6380/1";
  env["ANIMATE_DRAIN_SECONDS"] = "30";
  env["ANIMATE_WEIGHTS"] = "/models/wan";
  env["ANIMATE_UNIANIMATE_CKPT"] = "/models/ua.ckpt";
  const WorkerConfig from_env = parse_worker_config({"--drain-seconds", "5"}, lookup);
  EXPECT_EQ(from_env.redis.url, "redis://redis:6380/1");
  EXPECT_EQ(from_env.drain.count(), 5);  // the flag wins
  EXPECT_EQ(from_env.model.weights, "/models/wan");
  EXPECT_EQ(from_env.model.unianimate, "/models/ua.ckpt");

  EXPECT_THROW(parse_worker_config({"--lease-seconds", "0"}, lookup), std::invalid_argument);
  try {
    env["ANIMATE_THREADS"] = "many";
    parse_worker_config({}, lookup);
    ADD_FAILURE() << "accepted ANIMATE_THREADS=many";
  } catch (const runtime::FlagError& error) {
    EXPECT_EQ(std::string(error.what()),
              "ANIMATE_THREADS (--threads): expected a whole number from 0 to 4096, got 'many'");
  }
  env.erase("ANIMATE_THREADS");
  EXPECT_THROW(parse_worker_config({"--x264-preset", "fastest"}, lookup), runtime::FlagError);
  EXPECT_THROW(parse_worker_config({"--nope"}, lookup), std::invalid_argument);
  EXPECT_TRUE(parse_worker_config({"--help"}, lookup).help);
  const std::string usage = worker_usage();
  for (const char* text : {"ANIMATE_HEALTH_LISTEN", "0.0.0.0:50052", "ANIMATE_METRICS_LISTEN",
                           "0.0.0.0:9091", "ANIMATE_DRAIN_SECONDS", "300"}) {
    EXPECT_NE(usage.find(text), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace animate::worker
