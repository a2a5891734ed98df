#include "load_options.h"

#include <stdexcept>

#include "args.h"

namespace animate::loadgen {
namespace {

// The load generator is a benchmark tool, not a traffic cannon: loopback
// targets only.
bool is_loopback(const std::string& address) {
  for (const char* prefix : {"127.", "localhost:", "[::1]:", "ipv4:127.", "ipv6:[::1]"}) {
    if (address.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

const char* load_usage() {
  return R"(usage: animate-loadgen [flags]
Measures the animate server on this machine: CreateJob and GetJob throughput
and latency percentiles over N concurrent channels, and upload throughput of
synthetic PNGs (valid, distinct content). Loopback addresses only.
  --server HOST:PORT   (ANIMATE_SERVER, default 127.0.0.1:50051)
  --api-key KEY        (ANIMATE_API_KEY)
  --channels N         concurrent channels/threads (default 4, max 256)
  --duration S         seconds per phase (default 10, max 600)
  --requests K         calls per phase instead of a duration (max 10000000)
  --phases LIST        comma list of create,get,upload (default all three)
  --upload-side PX     side of the noise PNGs (default 512 = 0.75 MiB)
  --uploads K          uploads in the upload phase (default 32)
  --no-cleanup         keep the jobs created (default: cancel and delete them)
  --json               one JSON object instead of the table
)";
}

LoadOptions parse_load_options(const std::vector<std::string>& argv) {
  for (const auto& word : argv) {
    if (word == "--help" || word == "-h") throw std::invalid_argument("help");
  }
  const client::Args args(argv,
                          {"--server", "--api-key", "--channels", "--duration", "--requests",
                           "--phases", "--upload-side", "--uploads"},
                          {"--no-cleanup", "--json"});
  LoadOptions options;
  options.connection = client::connection_options_from_env();
  if (const auto server = args.get("--server")) options.connection.server = *server;
  if (const auto key = args.get("--api-key")) options.connection.api_key = *key;
  if (!is_loopback(options.connection.server)) {
    throw std::invalid_argument("--server must be a loopback address, got " +
                                options.connection.server);
  }
  options.channels = static_cast<int>(args.get_int("--channels").value_or(options.channels));
  if (options.channels < 1 || options.channels > 256) {
    throw std::invalid_argument("--channels must be in 1..256");
  }
  options.duration_s = args.get_double("--duration").value_or(options.duration_s);
  if (!(options.duration_s > 0 && options.duration_s <= 600)) {
    throw std::invalid_argument("--duration must be in (0, 600] seconds");
  }
  options.requests = args.get_uint("--requests").value_or(0);
  if (options.requests > 10000000) throw std::invalid_argument("--requests must be <= 10000000");
  if (const auto phases = args.get("--phases")) {
    options.run_create = options.run_get = options.run_upload = false;
    std::size_t start = 0;
    while (start <= phases->size()) {
      const std::size_t comma = phases->find(',', start);
      const std::string phase = phases->substr(start, comma - start);
      if (phase == "create") {
        options.run_create = true;
      } else if (phase == "get") {
        options.run_get = true;
      } else if (phase == "upload") {
        options.run_upload = true;
      } else {
        throw std::invalid_argument("--phases: unknown phase '" + phase + "'");
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  options.upload_side =
      static_cast<int>(args.get_int("--upload-side").value_or(options.upload_side));
  if (options.upload_side < 16 || options.upload_side > 4096) {
    throw std::invalid_argument("--upload-side must be in 16..4096");
  }
  options.upload_count = args.get_uint("--uploads").value_or(options.upload_count);
  if (options.upload_count < 1 || options.upload_count > 100000) {
    throw std::invalid_argument("--uploads must be in 1..100000");
  }
  options.cleanup = !args.has("--no-cleanup");
  options.json = args.has("--json");
  return options;
}

}  // namespace animate::loadgen
