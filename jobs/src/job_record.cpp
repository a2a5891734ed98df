#include "animate/jobs/job_record.h"

#include <map>

#include "field_codec.h"

namespace animate::jobs {

JobRecord decode_job_record(const Fields& fields) {
  using namespace detail;
  std::map<std::string_view, std::string_view> f;
  for (const auto& [k, v] : fields) f.emplace(k, v);
  auto get = [&](const char* name) -> std::string_view {
    auto it = f.find(name);
    return it == f.end() ? std::string_view{} : it->second;
  };
  auto i64 = [&](const char* name) { return parse_int(get(name), 0); };
  auto u32 = [&](const char* name) { return static_cast<std::uint32_t>(parse_uint(get(name), 0)); };

  JobRecord job;
  job.id = std::string(get("id"));
  job.tenant = std::string(get("tenant"));
  job.state = parse_job_state(get("state")).value_or(JobState::kQueued);
  job.params = decode_job_params(fields);
  job.priority = static_cast<int>(i64("priority"));
  job.idempotency_key = std::string(get("idempotency_key"));
  job.attempt = u32("attempt");
  job.max_attempts = u32("max_attempts");
  job.cancel_requested = get("cancel_requested") == "1";
  job.worker_id = std::string(get("worker"));
  job.progress.stage = parse_stage(get("stage")).value_or(Stage::kNone);
  job.progress.step = u32("step");
  job.progress.total_steps = u32("total_steps");
  job.progress.window = u32("window");
  job.progress.total_windows = u32("total_windows");
  job.progress.fraction = parse_double(get("fraction"), 0.0);
  if (!get("err_code").empty()) {
    job.error = ErrorInfo{static_cast<StatusCode>(i64("err_code")), std::string(get("err_message")),
                          std::string(get("err_field"))};
  }
  if (!get("res_size").empty()) {
    ResultInfo r;
    r.size_bytes = parse_uint(get("res_size"), 0);
    r.sha256 = std::string(get("res_sha256"));
    r.content_type = std::string(get("res_content_type"));
    r.width = u32("res_width");
    r.height = u32("res_height");
    r.frame_count = u32("res_frames");
    r.fps = parse_double(get("res_fps"), 0.0);
    r.duration_ms = i64("res_duration_ms");
    job.result = std::move(r);
  }
  job.last_sequence = parse_uint(get("last_seq"), 0);
  job.create_ms = i64("create_ms");
  job.start_ms = i64("start_ms");
  job.end_ms = i64("end_ms");
  job.expire_ms = i64("expire_ms");
  job.queue_deadline_ms = i64("queue_deadline_ms");
  job.run_deadline_ms = i64("run_deadline_ms");
  return job;
}

}  // namespace animate::jobs
