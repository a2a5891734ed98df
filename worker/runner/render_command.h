#pragma once
// animate-render: the whole job in one process, no Redis, no gRPC. Loads the
// model, decodes the inputs, runs the job runner and writes the fragmented
// MP4 to the output file as its chunks arrive (under a temporary name, renamed
// when complete), with a progress bar and a summary of stage times and peak
// RSS. The binary's main() is render_command(); tests call it directly.
#include <filesystem>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "worker/runner/job_runner.h"
#include "worker/runner/model_location.h"
#include "worker/runner/progress_bar.h"
#include "worker/runner/render_settings.h"

namespace animate::worker {

// A command-line mistake (unknown flag, bad value, missing input).
class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct RenderOptions {
  ModelLocation model;
  std::filesystem::path image;
  std::filesystem::path pose;
  std::filesystem::path reference_pose;  // empty = the first pose frame
  std::filesystem::path output;
  RenderSettings settings;
  bool help = false;
};

// Parses the arguments after the program name. Throws UsageError naming the
// flag and the problem.
RenderOptions parse_render_args(const std::vector<std::string>& args);
std::string render_usage();

struct RenderReport {
  RunOutcome outcome;
  double model_load_seconds = 0.0;
  std::uint64_t peak_rss_bytes = 0;
};

// Runs one render; progress goes to `progress` (may be null). Throws on any
// failure, leaving no output file behind.
RenderReport render(const RenderOptions& options, ProgressBar* progress);

// The whole CLI: parse, render, summary. Returns the exit code (0 success,
// 1 bad input or failure, with a one-line "animate-render: error: ..." on err).
int render_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   bool tty);

}  // namespace animate::worker
