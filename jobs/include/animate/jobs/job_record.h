// A job as stored in Redis (hash "<prefix>job:<id>"), decoded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "animate/jobs/job_params.h"
#include "animate/jobs/job_state.h"
#include "animate/jobs/status_code.h"

namespace animate::jobs {

// google.rpc.Status-like error of a job or event.
struct ErrorInfo {
  StatusCode code = StatusCode::kUnknown;
  std::string message;
  std::string field;  // request field the error is about, or empty
};

struct Progress {
  Stage stage = Stage::kNone;
  std::uint32_t step = 0;  // 1-based, 0 = before the loop
  std::uint32_t total_steps = 0;
  std::uint32_t window = 0;  // 1-based, 0 = before the loop
  std::uint32_t total_windows = 0;
  double fraction = 0.0;  // [0, 1]
};

// The finished MP4 (its bytes are the blob "result:<job id>").
struct ResultInfo {
  std::uint64_t size_bytes = 0;
  std::string sha256;  // lowercase hex
  std::string content_type = "video/mp4";
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t frame_count = 0;
  double fps = 0.0;
  std::int64_t duration_ms = 0;
};

// Times are Unix milliseconds by the Redis server's clock; 0 = not yet.
struct JobRecord {
  std::string id;
  std::string tenant;
  JobState state = JobState::kQueued;
  JobParams params;
  int priority = 0;
  std::string idempotency_key;
  std::uint32_t attempt = 0;  // attempts started
  std::uint32_t max_attempts = 0;
  bool cancel_requested = false;
  std::string worker_id;  // holder of the lease (while running) or the last one
  Progress progress;
  std::optional<ErrorInfo> error;
  std::optional<ResultInfo> result;
  std::uint64_t last_sequence = 0;  // of the job's event stream
  std::int64_t create_ms = 0;
  std::int64_t start_ms = 0;  // first claim
  std::int64_t end_ms = 0;
  std::int64_t expire_ms = 0;  // retention end, once terminal
  std::int64_t queue_deadline_ms = 0;
  std::int64_t run_deadline_ms = 0;  // set when claimed
};

// Decodes a job hash (flat field/value list as HGETALL returns it).
JobRecord decode_job_record(const Fields& fields);

}  // namespace animate::jobs
