// The measured phases of animate-loadgen. Each runs `channels` threads, one
// channel (own TCP connection) each, in a loop bounded by a request count or
// a deadline, and returns the merged latency samples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "animate/v1/animate_service.pb.h"
#include "latency_stats.h"
#include "load_options.h"

namespace animate::loadgen {

struct PhaseResult {
  LatencySummary latency;
  std::uint64_t bytes = 0;  // upload phase: bytes of the successful uploads
};

// Uploads the assets the CreateJob phase refers to (not measured).
animate::v1::JobParams prepare_job_params(const LoadOptions& options);

// CreateJob with `params`; the ids of the jobs created are appended to `job_ids`.
PhaseResult run_create_phase(const LoadOptions& options, const animate::v1::JobParams& params,
                             std::vector<std::string>& job_ids);
// GetJob round-robin over `job_ids` (must not be empty).
PhaseResult run_get_phase(const LoadOptions& options, const std::vector<std::string>& job_ids);
// UploadAsset of distinct noise PNGs (generated before the clock starts).
PhaseResult run_upload_phase(const LoadOptions& options);

// Cancel + delete (not measured); returns how many were removed.
std::uint64_t remove_jobs(const LoadOptions& options, const std::vector<std::string>& job_ids);

}  // namespace animate::loadgen
