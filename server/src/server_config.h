// Configuration of animate-server: every setting is a flag with an
// environment variable of the same meaning (flags win) and a documented
// default (service contract, docs/service-contract.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "animate/runtime/flag_set.h"
#include "animate/runtime/service_flags.h"

namespace animate::server {

struct ServerConfig {
  std::string listen = "0.0.0.0:50051";
  // Empty = no metrics endpoint.
  std::string metrics_listen = "0.0.0.0:9090";
  runtime::RedisSettings redis;
  runtime::LogSettings log;
  // Required unless insecure_no_auth: the server refuses to start without keys.
  std::string api_keys_file;
  // No authentication, every caller is the tenant "default" (demos, tests,
  // a trusted network in front). Logged as a warning at start and exported
  // as animate_server_auth_disabled 1.
  bool insecure_no_auth = false;
  // Both or neither; empty = plaintext.
  std::string tls_cert;
  std::string tls_key;

  std::uint64_t max_upload_bytes = 256ull << 20;
  std::uint64_t max_queued_jobs = 1000;
  // A tenant may hold a tenth of the queue, so one tenant cannot fill it.
  std::uint64_t max_queued_per_tenant = 100;  // 0 = no limit
  std::uint64_t max_running_per_tenant = 0;   // 0 = no limit (enforced by workers' claim)
  // Highest CreateJobRequest.priority a tenant may use (its keys-file line may
  // set its own): by default tenants can lower their jobs' priority, not
  // jump the queue.
  int max_tenant_priority = 0;
  // Media limits applied to uploads.
  std::uint64_t max_image_pixels = 4096ull * 4096ull;
  // Smallest width and height of an uploaded image or pose video frame.
  std::uint32_t min_image_side = 64;
  std::int64_t max_video_frames = 9000;
  double max_video_seconds = 600.0;
  // Longest output a job may ask for (JobParams.frame_count).
  std::uint32_t max_output_frames = 1001;
  // Cost caps of one job (CreateJob answers INVALID_ARGUMENT beyond them).
  std::uint32_t max_steps = 100;
  std::chrono::seconds max_run_time{6 * 3600};

  // gRPC resources: threads serving calls, streams per connection, and how
  // long an idle connection is kept; keepalive pings find dead peers.
  int max_threads = 256;
  std::uint32_t max_concurrent_streams = 100;
  std::chrono::milliseconds max_connection_idle{std::chrono::minutes(5)};
  std::chrono::milliseconds keepalive_time{std::chrono::minutes(1)};

  std::chrono::milliseconds retention{std::chrono::hours(24)};
  // SIGTERM/SIGINT: in-flight calls get this long before they are cancelled.
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(10)};
};

struct ParsedCommandLine {
  ServerConfig config;
  bool help = false;  // --help / -h: print help_text() and exit 0
};

// Environment first, then flags (`--name value` or `--name=value`), through
// the shared reader (common/, animate/runtime/flag_set.h). Throws
// runtime::FlagError naming the flag or variable.
ParsedCommandLine parse_command_line(const std::vector<std::string>& args,
                                     const runtime::EnvLookup& env);

// The rules between settings (TLS pair, keys or --insecure-no-auth); throws
// runtime::FlagError naming the flags. parse_command_line and ServerApp call it.
void check_server_config(const ServerConfig& config);

// Every flag with its environment variable and default.
std::string help_text();

}  // namespace animate::server
