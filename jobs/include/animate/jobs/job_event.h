// One entry of a job's event stream ("<prefix>events:<id>"). Sequence numbers
// are the stream entry ids "0-<seq>": 1, 2, 3, ... per job, so a client can
// resume from any number it has seen.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "animate/jobs/job_record.h"

namespace animate::jobs {

enum class EventType {
  kState,       // state, attempt, reason, error / result
  kProgress,    // progress
  kVideoChunk,  // chunk_offset, chunk_size, init_segment, attempt (bytes are in the result blob)
};

struct JobEvent {
  std::uint64_t sequence = 0;
  std::int64_t time_ms = 0;
  EventType type = EventType::kState;

  JobState state = JobState::kQueued;
  std::uint32_t attempt = 0;
  std::string reason;
  std::optional<ErrorInfo> error;
  std::optional<ResultInfo> result;

  Progress progress;

  std::uint64_t chunk_offset = 0;
  std::uint64_t chunk_size = 0;
  bool init_segment = false;
};

// A batch of events read from a stream.
struct EventBatch {
  std::vector<JobEvent> events;
  // True when the batch ends with the job's terminal state event: nothing
  // will follow.
  bool finished = false;
};

JobEvent decode_job_event(std::uint64_t sequence, const Fields& fields);

}  // namespace animate::jobs
