#include "server_config.h"

#include <limits>

namespace animate::server {
namespace {

// The flags, bound to `config` (whose values are the defaults --help shows).
runtime::FlagSet flags_of(ServerConfig& config) {
  runtime::FlagSet flags(
      "animate-server",
      "gRPC frontend of the animate service (animate.v1.AnimateService, grpc.health.v1,\n"
      "reflection), with /metrics, /healthz and /readyz on --metrics-listen. SIGTERM/SIGINT:\n"
      "stop taking calls, give in-flight calls --shutdown-seconds, then exit (a second\n"
      "signal exits at once). SIGHUP: re-read --api-keys-file.");
  constexpr auto kU64Max = std::numeric_limits<std::uint64_t>::max();
  flags.text("listen", "gRPC listen address (host:port)", config.listen)
      .text("metrics-listen", "/metrics, /healthz, /readyz HTTP address (empty = off)",
            config.metrics_listen);
  runtime::add_redis_flags(flags, config.redis);
  runtime::add_logging_flags(flags, config.log)
      .text("api-keys-file",
            "file of 'key tenant' lines (# comments), re-read on SIGHUP; required unless "
            "--insecure-no-auth",
            config.api_keys_file)
      .boolean("insecure-no-auth",
               "serve every caller as tenant 'default' without API keys (development only)",
               config.insecure_no_auth)
      .text("tls-cert", "PEM certificate chain (with --tls-key)", config.tls_cert)
      .text("tls-key", "PEM private key (with --tls-cert)", config.tls_key)
      .integer("max-upload-bytes", "largest accepted asset", config.max_upload_bytes, 1, kU64Max)
      .integer("max-queued-jobs",
               "bounded queue: CreateJob answers RESOURCE_EXHAUSTED beyond this (0 = unbounded)",
               config.max_queued_jobs, 0, kU64Max)
      .integer("max-queued-per-tenant",
               "queued jobs per tenant (0 = no limit): one tenant cannot fill the queue",
               config.max_queued_per_tenant, 0, kU64Max)
      .integer("max-running-per-tenant",
               "running jobs per tenant (0 = no limit; workers read it from Redis)",
               config.max_running_per_tenant, 0, kU64Max)
      .integer("max-tenant-priority",
               "highest job priority a tenant may ask for (a keys-file line's third column "
               "overrides it for that tenant)",
               config.max_tenant_priority, -100, 100)
      .integer("max-image-pixels", "width x height of an uploaded image or video frame",
               config.max_image_pixels, 1, kU64Max)
      .integer("min-image-side",
               "smallest width and height of an uploaded image or pose video frame",
               config.min_image_side, 1, 4096)
      .integer("max-video-frames", "frames of an uploaded pose video", config.max_video_frames, 1,
               std::numeric_limits<std::int64_t>::max())
      .positive_number("max-video-seconds", "duration of an uploaded pose video",
                       config.max_video_seconds)
      .integer("max-output-frames",
               "most frames one job may produce (frame_count, or all pose frames when it is 0)",
               config.max_output_frames, 1, std::numeric_limits<std::uint32_t>::max())
      .integer("max-steps", "most denoising steps one job may ask for (at most 1000)",
               config.max_steps, 1, 1000)
      .seconds("max-run-seconds",
               "longest max_run_time a job may ask for, and the one it gets when it asks none",
               config.max_run_time)
      .integer("max-threads", "threads serving gRPC calls (a ResourceQuota cap)",
               config.max_threads, 4, 65536)
      .integer("max-concurrent-streams", "concurrent calls on one client connection",
               config.max_concurrent_streams, 1, 100000)
      .seconds("max-connection-idle-seconds",
               "a connection with no call for this long is closed (GOAWAY; clients reconnect)",
               config.max_connection_idle)
      .seconds("keepalive-seconds",
               "ping an idle connection this often to find dead peers (20 s to answer)",
               config.keepalive_time)
      .seconds(
          "retention-seconds",
          "finished jobs, their events and results are kept this long (workers read it from Redis)",
          config.retention)
      .seconds("shutdown-seconds",
               "on SIGTERM/SIGINT, in-flight calls get this long before they are cancelled",
               config.shutdown_grace);
  return flags;
}

}  // namespace

void check_server_config(const ServerConfig& config) {
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    throw runtime::FlagError("--tls-cert and --tls-key must be given together");
  }
  if (config.api_keys_file.empty() && !config.insecure_no_auth) {
    throw runtime::FlagError(
        "--api-keys-file: required (a file of 'key tenant' lines); to serve every caller without "
        "authentication as tenant 'default', pass --insecure-no-auth (development only)");
  }
  if (!config.api_keys_file.empty() && config.insecure_no_auth) {
    throw runtime::FlagError("--api-keys-file and --insecure-no-auth exclude each other");
  }
}

ParsedCommandLine parse_command_line(const std::vector<std::string>& args,
                                     const runtime::EnvLookup& env) {
  ParsedCommandLine parsed;
  parsed.help = !flags_of(parsed.config).parse(args, env);
  if (parsed.help) return parsed;
  check_server_config(parsed.config);
  return parsed;
}

std::string help_text() {
  ServerConfig defaults;
  return flags_of(defaults).usage();
}

}  // namespace animate::server
