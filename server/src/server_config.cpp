#include "server_config.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

namespace animate::server {
namespace {

using Setter =
    std::function<void(ServerConfig&, const std::string& value, const std::string& from)>;
using Getter = std::function<std::string(const ServerConfig&)>;

struct Option {
  std::string flag;  // without the leading "--"
  std::string env;
  std::string help;
  Getter show_default;
  Setter set;
};

std::uint64_t parse_u64(const std::string& value, const std::string& from) {
  if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
    throw ConfigError(from + ": expected a non-negative integer, got '" + value + "'");
  }
  try {
    return std::stoull(value);
  } catch (const std::exception&) {
    throw ConfigError(from + ": integer out of range: '" + value + "'");
  }
}

double parse_positive_double(const std::string& value, const std::string& from) {
  std::size_t used = 0;
  double parsed = 0.0;
  try {
    parsed = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty() || !std::isfinite(parsed) || parsed <= 0.0) {
    throw ConfigError(from + ": expected a positive number, got '" + value + "'");
  }
  return parsed;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  std::ostringstream out;
  out << static_cast<double>(ms.count()) / 1000.0;
  return out.str();
}

std::chrono::milliseconds parse_seconds(const std::string& value, const std::string& from) {
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(std::llround(parse_positive_double(value, from) * 1000.0)));
}

template <typename Field>
Option text_option(std::string flag, std::string env, std::string help,
                   Field ServerConfig::*field) {
  return {std::move(flag), std::move(env), std::move(help),
          [field](const ServerConfig& c) { return c.*field; },
          [field](ServerConfig& c, const std::string& v, const std::string&) { c.*field = v; }};
}

template <typename Field>
Option count_option(std::string flag, std::string env, std::string help,
                    Field ServerConfig::*field) {
  return {std::move(flag), std::move(env), std::move(help),
          [field](const ServerConfig& c) { return std::to_string(c.*field); },
          [field](ServerConfig& c, const std::string& v, const std::string& from) {
            const std::uint64_t parsed = parse_u64(v, from);
            if (parsed > static_cast<std::uint64_t>(std::numeric_limits<Field>::max())) {
              throw ConfigError(from + ": value too large: " + v);
            }
            c.*field = static_cast<Field>(parsed);
          }};
}

const std::vector<Option>& options() {
  static const std::vector<Option> kOptions = {
      text_option("listen", "ANIMATE_LISTEN", "gRPC listen address (host:port)",
                  &ServerConfig::listen),
      text_option("metrics-listen", "ANIMATE_METRICS_LISTEN",
                  "Prometheus /metrics listen address (empty = off)",
                  &ServerConfig::metrics_listen),
      text_option("redis-url", "ANIMATE_REDIS_URL",
                  "Redis URL redis://[:password@]host[:port][/db]", &ServerConfig::redis_url),
      text_option("redis-prefix", "ANIMATE_REDIS_PREFIX", "prefix of every Redis key",
                  &ServerConfig::redis_prefix),
      {"log-level", "ANIMATE_LOG_LEVEL", "debug, info, warning or error",
       [](const ServerConfig& c) { return c.log_level; },
       [](ServerConfig& c, const std::string& v, const std::string& from) {
         if (v != "debug" && v != "info" && v != "warning" && v != "error") {
           throw ConfigError(from + ": expected debug, info, warning or error, got '" + v + "'");
         }
         c.log_level = v;
       }},
      text_option("api-keys-file", "ANIMATE_API_KEYS_FILE",
                  "file of 'key tenant' lines (# comments); unset = no auth, tenant 'default'; "
                  "re-read on SIGHUP",
                  &ServerConfig::api_keys_file),
      text_option("tls-cert", "ANIMATE_TLS_CERT", "PEM certificate chain (with --tls-key)",
                  &ServerConfig::tls_cert),
      text_option("tls-key", "ANIMATE_TLS_KEY", "PEM private key (with --tls-cert)",
                  &ServerConfig::tls_key),
      count_option("max-upload-bytes", "ANIMATE_MAX_UPLOAD_BYTES", "largest accepted asset",
                   &ServerConfig::max_upload_bytes),
      count_option(
          "max-queued-jobs", "ANIMATE_MAX_QUEUED_JOBS",
          "bounded queue: CreateJob answers RESOURCE_EXHAUSTED beyond this (0 = unbounded)",
          &ServerConfig::max_queued_jobs),
      count_option("max-queued-per-tenant", "ANIMATE_MAX_QUEUED_PER_TENANT",
                   "queued jobs per tenant (0 = no limit)", &ServerConfig::max_queued_per_tenant),
      count_option("max-running-per-tenant", "ANIMATE_MAX_RUNNING_PER_TENANT",
                   "running jobs per tenant (0 = no limit; workers must use the same value)",
                   &ServerConfig::max_running_per_tenant),
      count_option("max-image-pixels", "ANIMATE_MAX_IMAGE_PIXELS",
                   "width x height of an uploaded image or video frame",
                   &ServerConfig::max_image_pixels),
      count_option("max-video-frames", "ANIMATE_MAX_VIDEO_FRAMES",
                   "frames of an uploaded pose video", &ServerConfig::max_video_frames),
      {"max-video-seconds", "ANIMATE_MAX_VIDEO_SECONDS", "duration of an uploaded pose video",
       [](const ServerConfig& c) {
         std::ostringstream out;
         out << c.max_video_seconds;
         return out.str();
       },
       [](ServerConfig& c, const std::string& v, const std::string& from) {
         c.max_video_seconds = parse_positive_double(v, from);
       }},
      count_option("max-output-frames", "ANIMATE_MAX_OUTPUT_FRAMES",
                   "largest JobParams.frame_count", &ServerConfig::max_output_frames),
      {"retention-seconds", "ANIMATE_RETENTION_SECONDS",
       "finished jobs, their events and results are kept this long (workers must agree)",
       [](const ServerConfig& c) { return seconds_text(c.retention); },
       [](ServerConfig& c, const std::string& v, const std::string& from) {
         c.retention = parse_seconds(v, from);
       }},
      {"shutdown-seconds", "ANIMATE_SHUTDOWN_SECONDS",
       "on SIGTERM/SIGINT, in-flight calls get this long before they are cancelled",
       [](const ServerConfig& c) { return seconds_text(c.shutdown_grace); },
       [](ServerConfig& c, const std::string& v, const std::string& from) {
         c.shutdown_grace = parse_seconds(v, from);
       }},
  };
  return kOptions;
}

void check(const ServerConfig& config) {
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    throw ConfigError("--tls-cert and --tls-key must be given together");
  }
  if (config.max_upload_bytes == 0) throw ConfigError("--max-upload-bytes must be positive");
  if (config.max_image_pixels == 0) throw ConfigError("--max-image-pixels must be positive");
  if (config.max_video_frames <= 0) throw ConfigError("--max-video-frames must be positive");
  if (config.max_output_frames == 0) throw ConfigError("--max-output-frames must be positive");
}

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* value = std::getenv(name.c_str())) return std::string(value);
    return std::nullopt;
  };
}

ParsedCommandLine parse_command_line(const std::vector<std::string>& args, const EnvLookup& env) {
  ParsedCommandLine parsed;
  for (const Option& option : options()) {
    if (auto value = env(option.env)) option.set(parsed.config, *value, option.env);
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0)
      throw ConfigError("unexpected argument '" + arg + "' (see --help)");
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const Option* match = nullptr;
    for (const Option& option : options()) {
      if (option.flag == name) match = &option;
    }
    if (!match) throw ConfigError("unknown flag --" + name + " (see --help)");
    if (!value) {
      if (i + 1 >= args.size()) throw ConfigError("--" + name + " needs a value");
      value = args[++i];
    }
    match->set(parsed.config, *value, "--" + name);
  }
  check(parsed.config);
  return parsed;
}

std::string help_text() {
  std::ostringstream out;
  out << "Usage: animate-server [flags]\n"
         "gRPC frontend of the animate service (animate.v1.AnimateService, grpc.health.v1,\n"
         "reflection). Each flag can also be set by its environment variable; flags win.\n\n";
  const ServerConfig defaults;
  for (const Option& option : options()) {
    out << "  --" << option.flag << " (" << option.env << ")\n      " << option.help
        << "\n      default: '" << option.show_default(defaults) << "'\n";
  }
  out << "  --help\n      print this text\n";
  return out.str();
}

}  // namespace animate::server
