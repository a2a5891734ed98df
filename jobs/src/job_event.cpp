#include "animate/jobs/job_event.h"

#include <map>

#include "field_codec.h"

namespace animate::jobs {

JobEvent decode_job_event(std::uint64_t sequence, const Fields& fields) {
  using namespace detail;
  std::map<std::string_view, std::string_view> f;
  for (const auto& [k, v] : fields) f.emplace(k, v);
  auto get = [&](const char* name) -> std::string_view {
    auto it = f.find(name);
    return it == f.end() ? std::string_view{} : it->second;
  };
  auto u32 = [&](const char* name) { return static_cast<std::uint32_t>(parse_uint(get(name), 0)); };

  JobEvent event;
  event.sequence = sequence;
  event.time_ms = parse_int(get("ts"), 0);
  const std::string_view type = get("type");
  if (type == "progress") {
    event.type = EventType::kProgress;
    event.progress.stage = parse_stage(get("stage")).value_or(Stage::kNone);
    event.progress.step = u32("step");
    event.progress.total_steps = u32("total_steps");
    event.progress.window = u32("window");
    event.progress.total_windows = u32("total_windows");
    event.progress.fraction = parse_double(get("fraction"), 0.0);
  } else if (type == "chunk") {
    event.type = EventType::kVideoChunk;
    event.chunk_offset = parse_uint(get("offset"), 0);
    event.chunk_size = parse_uint(get("size"), 0);
    event.init_segment = get("init") == "1";
    event.attempt = u32("attempt");
  } else {
    event.type = EventType::kState;
    event.state = parse_job_state(get("state")).value_or(JobState::kQueued);
    event.attempt = u32("attempt");
    event.reason = std::string(get("reason"));
    if (!get("err_code").empty()) {
      event.error = ErrorInfo{static_cast<StatusCode>(parse_int(get("err_code"), 2)),
                              std::string(get("err_message")), std::string(get("err_field"))};
    }
    if (!get("res_size").empty()) {
      // Same field names as the job hash.
      event.result = decode_job_record(fields).result;
    }
  }
  return event;
}

}  // namespace animate::jobs
