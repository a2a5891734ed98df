// Follows a job with WatchJob until it ends, surviving disconnects: the
// stream is reopened from the last sequence seen + 1, so nothing is lost or
// repeated. With an output path the MP4 chunks are written as they arrive.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "animate/v1/animate_service.grpc.pb.h"
#include "connection.h"
#include "progress_display.h"

namespace animate::client {

struct WatchOptions {
  std::string job_id;
  std::uint64_t from_sequence = 0;
  std::optional<std::filesystem::path> output;
  // Give up after this long without a working stream.
  std::chrono::seconds reconnect_budget{120};
};

struct WatchOutcome {
  animate::v1::Job job;  // GetJob after the end (state, error, result)
  std::uint64_t last_sequence = 0;
  int reconnects = 0;
  // Output written and verified against the result's sha256 (after a
  // GetResult fallback when the streamed bytes were incomplete).
  bool output_verified = false;
};

WatchOutcome watch_job(animate::v1::AnimateService::Stub& stub, const ConnectionOptions& options,
                       const WatchOptions& watch, ProgressDisplay& display);

}  // namespace animate::client
