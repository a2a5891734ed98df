#include "server_app.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "animate/jobs/jobs_error.h"
#include "animate/jobs/persistence.h"
#include "animate/jobs/redis_options.h"
#include "animate/jobs/shared_queue_settings.h"
#include "grpc/health/v1/health.pb.h"

namespace animate::server {
namespace {

constexpr const char* kServiceName = "animate.v1.AnimateService";
// /healthz fails when the maintenance loop has not finished a round for this
// long: the loop is wedged (each round is bounded by Redis timeouts of a few
// seconds), and a restart is the cure.
constexpr std::chrono::seconds kMaintenanceStall{60};

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + what + " " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::shared_ptr<grpc::ServerCredentials> credentials(const ServerConfig& config) {
  if (config.tls_cert.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back(
      {read_file(config.tls_key, "--tls-key"), read_file(config.tls_cert, "--tls-cert")});
  return grpc::SslServerCredentials(options);
}

jobs::QueueConfig queue_config(const ServerConfig& config) {
  jobs::QueueConfig queue;
  queue.max_queued_jobs = config.max_queued_jobs;
  queue.max_queued_per_tenant = config.max_queued_per_tenant;
  queue.max_running_per_tenant = config.max_running_per_tenant;
  queue.retention = config.retention;
  return queue;
}

ServiceOptions service_options(const ServerConfig& config, const jobs::QueueConfig& queue) {
  ServiceOptions options;
  options.max_upload_bytes = config.max_upload_bytes;
  options.media_limits.max_input_bytes = config.max_upload_bytes;
  options.media_limits.max_pixels = config.max_image_pixels;
  options.media_limits.max_frames = config.max_video_frames;
  options.media_limits.max_duration_s = config.max_video_seconds;
  options.min_image_side = config.min_image_side;
  options.max_tenant_priority = config.max_tenant_priority;
  options.job_limits.max_output_frames = config.max_output_frames;
  options.job_limits.max_steps = config.max_steps;
  options.job_limits.max_run_time = config.max_run_time;
  options.job_limits.min_priority = queue.min_priority;
  options.job_limits.max_priority = queue.max_priority;
  options.result_message_bytes = queue.blob_chunk_bytes;
  return options;
}

}  // namespace

namespace {

const ServerConfig& checked(const ServerConfig& config) {
  check_server_config(config);
  return config;
}

}  // namespace

ServerApp::ServerApp(const ServerConfig& config)
    : config_(checked(config)),
      logger_("server", runtime::logger_options(config.log)),
      auth_(config.api_keys_file) {
  jobs::RedisOptions redis = jobs::RedisOptions::from_url(config_.redis.url);
  redis.key_prefix = config_.redis.prefix;
  logger_.add_secret(redis.password);
  metrics_.set_auth_disabled(config_.insecure_no_auth);
  if (config_.insecure_no_auth) {
    logger_.warning(
        "authentication is OFF (--insecure-no-auth): every caller is tenant 'default'; "
        "give --api-keys-file outside development");
  }
  maintenance_tick_ = std::chrono::steady_clock::now().time_since_epoch().count();
  if (!config_.metrics_listen.empty()) {
    status_ = std::make_unique<runtime::StatusEndpoint>(
        config_.metrics_listen, runtime::StatusSources{{metrics_.registry()},
                                                       [this] { return liveness(); },
                                                       [this] { return readiness_.state(); }});
  }

  pool_ = jobs::ConnectionPool::create(redis, 16);
  const jobs::QueueConfig queue = queue_config(config_);
  queue_ = std::make_unique<jobs::JobQueue>(pool_, queue);
  blobs_ = std::make_unique<jobs::BlobStore>(pool_, queue);
  assets_ = std::make_unique<jobs::AssetStore>(*blobs_);
  events_ = std::make_unique<jobs::EventReader>(pool_);
  ownership_ = std::make_unique<AssetOwnership>(pool_, *blobs_, queue.asset_ttl);

  try {
    auto connection = pool_->acquire();
    const auto persistence = jobs::query_persistence(*connection);
    if (persistence && !persistence->durable()) {
      logger_.warning("Redis has no durable AOF: accepted jobs can be lost in a crash",
                      {{"appendonly", persistence->aof_enabled ? "yes" : "no"},
                       {"appendfsync", persistence->appendfsync}});
    }
  } catch (const jobs::JobsError& error) {
    logger_.warning("Redis not reachable at start-up; serving NOT_SERVING until it is",
                    {{"error", error.what()}});
  }

  service_ = std::make_unique<AnimateService>(
      ServiceBackend{*queue_, *blobs_, *assets_, *events_, *ownership_},
      service_options(config_, queue), auth_, metrics_, logger_);

  grpc::EnableDefaultHealthCheckService(true);
  // Reflection describes only services whose schema is in the generated pool:
  // touching the health descriptor links proto/'s grpc.health.v1 schema in,
  // so grpcurl / buf curl / ghz can call grpc.health.v1.Health by reflection.
  [[maybe_unused]] const auto* health_schema = grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config_.listen, credentials(config_), &grpc_port_);
  // Bounded resources: a flood of connections or calls queues instead of
  // growing threads without end; idle and dead connections are closed.
  grpc::ResourceQuota quota("animate-server");
  quota.SetMaxThreads(config_.max_threads);
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             static_cast<int>(config_.max_concurrent_streams));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             static_cast<int>(config_.max_connection_idle.count()));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             static_cast<int>(config_.keepalive_time.count()));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Clients may ping every 10 s without data; more often is abuse (GOAWAY).
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_ || grpc_port_ == 0) {
    throw std::runtime_error("cannot serve gRPC on " + config_.listen);
  }
  // NOT_SERVING (and /readyz 503 "starting") until the maintenance loop has
  // reached Redis once: a server that cannot queue jobs takes no calls.
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->GetHealthCheckService()->SetServingStatus(kServiceName, false);
  maintenance_ = std::thread(&ServerApp::maintenance_loop, this);
  logger_.info("serving", {{"grpc_port", grpc_port_},
                           {"metrics_port", metrics_port()},
                           {"tls", config_.tls_cert.empty() ? "off" : "on"},
                           {"auth", auth_.enabled() ? "api-keys" : "off"},
                           {"redis_prefix", config_.redis.prefix}});
}

ServerApp::~ServerApp() {
  shutdown();
}

int ServerApp::metrics_port() const {
  return status_ ? status_->port() : 0;
}

runtime::ProbeState ServerApp::liveness() const {
  const auto last = std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(maintenance_tick_.load()));
  if (draining_ || std::chrono::steady_clock::now() - last < kMaintenanceStall) return {};
  return {false, "the maintenance loop has not run for over " +
                     std::to_string(kMaintenanceStall.count()) + " s"};
}

void ServerApp::set_serving(bool serving) {
  if (serving && draining_) return;
  if (serving) {
    readiness_.set_ok();
  } else {
    readiness_.set_failing(draining_ ? "draining" : "Redis unreachable");
  }
  if (serving_.exchange(serving) == serving) return;
  auto* health = server_->GetHealthCheckService();
  health->SetServingStatus(serving);
  health->SetServingStatus(kServiceName, serving);
}

void ServerApp::maintenance_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      // Every round, so a Redis that lost its data gets it back at once.
      jobs::publish_shared_settings(*pool_, jobs::SharedQueueSettings::of(queue_config(config_)));
      const jobs::MaintenanceReport report = queue_->maintain();
      // Jobs maintenance moved to a final state or back to the queue, since
      // the last round and whoever ran it (claims do too).
      if (const auto failed = report.dead_lettered + report.deadline_failed; failed > 0) {
        metrics_.job_finished("failed", failed);
      }
      if (report.lost_cancelled > 0) metrics_.job_finished("cancelled", report.lost_cancelled);
      if (report.requeued > 0) metrics_.jobs_requeued("lease_expired", report.requeued);
      if (report.lease_expirations() > 0) metrics_.leases_expired(report.lease_expirations());
      metrics_.set_pending(queue_->queue_length());
      if (!serving_) logger_.info("Redis reachable: SERVING");
      set_serving(true);
    } catch (const jobs::JobsError& error) {
      if (serving_) {
        logger_.error("maintenance failed; health NOT_SERVING", {{"error", error.what()}});
      }
      if (error.code() == jobs::StatusCode::kUnavailable) set_serving(false);
    }
    maintenance_tick_ = std::chrono::steady_clock::now().time_since_epoch().count();
    lock.lock();
    changed_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
  }
}

void ServerApp::shutdown() {
  {
    std::unique_lock lock(mutex_);
    if (stopping_) {
      changed_.wait(lock, [this] { return stopped_; });
      return;
    }
    stopping_ = true;
  }
  changed_.notify_all();
  logger_.info("shutting down", {{"grace_ms", config_.shutdown_grace.count()}});
  draining_ = true;
  serving_ = false;
  readiness_.set_failing("draining");
  auto* health = server_->GetHealthCheckService();
  health->SetServingStatus(false);
  health->SetServingStatus(kServiceName, false);
  service_->begin_shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + config_.shutdown_grace);
  if (maintenance_.joinable()) maintenance_.join();
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  changed_.notify_all();
  logger_.info("stopped");
}

void ServerApp::wait() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return stopped_; });
}

bool ServerApp::reload_api_keys() {
  if (!auth_.enabled()) return true;
  try {
    auth_.reload();
    logger_.info("API keys reloaded");
    return true;
  } catch (const std::exception& error) {
    logger_.error("API keys reload failed; keeping the old keys", {{"error", error.what()}});
    return false;
  }
}

}  // namespace animate::server
