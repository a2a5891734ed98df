// animate-loadgen: throughput and latency of the animate server's job API
// and uploads (see load_usage()).
#include <iomanip>
#include <iostream>
#include <sstream>

#include "load_options.h"
#include "load_phases.h"
#include "rpc_error.h"

namespace {

using animate::loadgen::PhaseResult;

std::string format_seconds(double seconds) {
  std::ostringstream text;
  text << seconds;
  return text.str();
}

std::string errors_text(const PhaseResult& result) {
  std::ostringstream text;
  for (const auto& [code, count] : result.latency.errors) text << " " << code << "=" << count;
  return text.str();
}

void print_row(const std::string& name, const PhaseResult& result, bool show_bytes) {
  const auto& l = result.latency;
  std::cout << std::left << std::setw(10) << name << std::right << std::fixed
            << std::setprecision(1) << std::setw(8) << l.ok << std::setw(10) << l.per_second
            << std::setprecision(2) << std::setw(9) << l.p50_ms << std::setw(9) << l.p90_ms
            << std::setw(9) << l.p99_ms << std::setw(9) << l.max_ms;
  if (show_bytes && l.wall_seconds > 0) {
    std::cout << "  " << std::setprecision(1)
              << static_cast<double>(result.bytes) / l.wall_seconds / 1e6 << " MB/s";
  }
  std::cout << errors_text(result) << "\n";
}

std::string json_row(const PhaseResult& result) {
  const auto& l = result.latency;
  std::ostringstream json;
  json << std::fixed << std::setprecision(3) << "{\"ok\":" << l.ok
       << ",\"per_second\":" << l.per_second << ",\"p50_ms\":" << l.p50_ms
       << ",\"p90_ms\":" << l.p90_ms << ",\"p99_ms\":" << l.p99_ms << ",\"max_ms\":" << l.max_ms
       << ",\"mean_ms\":" << l.mean_ms << ",\"wall_s\":" << l.wall_seconds
       << ",\"bytes\":" << result.bytes;
  if (l.wall_seconds > 0)
    json << ",\"mb_per_s\":" << static_cast<double>(result.bytes) / l.wall_seconds / 1e6;
  json << ",\"errors\":{";
  bool first = true;
  for (const auto& [code, count] : l.errors) {
    json << (first ? "" : ",") << "\"" << code << "\":" << count;
    first = false;
  }
  json << "}}";
  return json.str();
}

}  // namespace

int main(int argc, char** argv) {
  animate::loadgen::LoadOptions options;
  try {
    options = animate::loadgen::parse_load_options(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& error) {
    const bool help = std::string(error.what()) == "help";
    if (!help) std::cerr << "animate-loadgen: " << error.what() << "\n";
    (help ? std::cout : std::cerr) << animate::loadgen::load_usage();
    return help ? 0 : 2;
  }
  try {
    std::vector<std::pair<std::string, PhaseResult>> rows;
    std::vector<std::string> job_ids;
    if (options.run_create || options.run_get) {
      const auto params = animate::loadgen::prepare_job_params(options);
      if (options.run_create) {
        rows.emplace_back("create", animate::loadgen::run_create_phase(options, params, job_ids));
      }
      if (options.run_get) {
        if (job_ids.empty()) {
          // GetJob needs jobs to look up: create a few, unmeasured.
          auto seed = options;
          seed.requests = static_cast<std::uint64_t>(options.channels);
          animate::loadgen::run_create_phase(seed, params, job_ids);
        }
        if (job_ids.empty())
          throw std::runtime_error("no job could be created for the GetJob phase");
        rows.emplace_back("get", animate::loadgen::run_get_phase(options, job_ids));
      }
    }
    if (options.run_upload)
      rows.emplace_back("upload", animate::loadgen::run_upload_phase(options));
    std::uint64_t removed = 0;
    if (options.cleanup) removed = animate::loadgen::remove_jobs(options, job_ids);

    if (options.json) {
      std::cout << "{\"server\":\"" << options.connection.server
                << "\",\"channels\":" << options.channels;
      for (const auto& [name, result] : rows)
        std::cout << ",\"" << name << "\":" << json_row(result);
      std::cout << ",\"jobs_created\":" << job_ids.size() << ",\"jobs_removed\":" << removed
                << "}\n";
    } else {
      std::cout << "server " << options.connection.server << ", " << options.channels
                << " channels, "
                << (options.requests > 0 ? std::to_string(options.requests) + " requests"
                                         : format_seconds(options.duration_s) + " s")
                << " per phase\n"
                << "phase           ok     req/s   p50 ms   p90 ms   p99 ms   max ms\n";
      for (const auto& [name, result] : rows) print_row(name, result, name == "upload");
      if (options.cleanup)
        std::cout << "cleanup: " << removed << " of " << job_ids.size()
                  << " jobs cancelled and deleted\n";
    }
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "animate-loadgen: " << error.what() << "\n";
    return 1;
  }
}
