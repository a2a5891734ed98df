#include "job_format.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <iomanip>

#include "args.h"

namespace animate::client {
namespace {

std::string lower_without_prefix(const std::string& name, const std::string& prefix) {
  std::string label = name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
  std::transform(label.begin(), label.end(), label.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return label;
}

std::string timestamp_text(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  return google::protobuf::util::TimeUtil::ToString(time);
}

}  // namespace

std::string job_state_label(animate::v1::JobState state) {
  return lower_without_prefix(animate::v1::JobState_Name(state), "JOB_STATE_");
}

std::string stage_label(animate::v1::Stage stage) {
  return lower_without_prefix(animate::v1::Stage_Name(stage), "STAGE_");
}

animate::v1::JobState parse_job_state(const std::string& text) {
  if (text.empty() || text == "all") return animate::v1::JOB_STATE_UNSPECIFIED;
  for (int value = animate::v1::JobState_MIN; value <= animate::v1::JobState_MAX; ++value) {
    const auto state = static_cast<animate::v1::JobState>(value);
    if (animate::v1::JobState_IsValid(value) && job_state_label(state) == text) return state;
  }
  throw UsageError("--state must be queued, running, succeeded, failed, cancelled or all");
}

void print_job(std::ostream& out, const animate::v1::Job& job) {
  out << "job:          " << job.job_id() << "\n"
      << "state:        " << job_state_label(job.state())
      << (job.cancel_requested() ? " (cancel requested)" : "") << "\n"
      << "priority:     " << job.priority() << "\n"
      << "attempt:      " << job.attempt() << "/" << job.max_attempts() << "\n";
  if (job.state() == animate::v1::JOB_STATE_QUEUED) {
    out << "queue pos.:   " << job.queue_position() << "\n";
  }
  if (job.state() == animate::v1::JOB_STATE_RUNNING && job.has_progress()) {
    const auto& progress = job.progress();
    out << "progress:     " << stage_label(progress.stage()) << " step " << progress.step() << "/"
        << progress.total_steps() << " window " << progress.window() << "/"
        << progress.total_windows() << " (" << std::fixed << std::setprecision(0)
        << progress.fraction() * 100 << "%)\n";
  }
  if (job.has_error() && job.error().code() != 0) {
    out << "error:        " << job.error().code() << " " << job.error().message();
    if (!job.error().field().empty()) out << " (field: " << job.error().field() << ")";
    out << "\n";
  }
  if (job.has_result()) {
    const auto& result = job.result();
    out << "result:       " << result.size_bytes() << " bytes, " << result.width() << "x"
        << result.height() << ", " << result.frame_count() << " frames @ " << result.fps()
        << " fps, sha256 " << result.sha256() << "\n";
  }
  if (!job.idempotency_key().empty()) out << "idem. key:    " << job.idempotency_key() << "\n";
  out << "created:      " << timestamp_text(job.create_time()) << "\n"
      << "started:      " << timestamp_text(job.start_time()) << "\n"
      << "ended:        " << timestamp_text(job.end_time()) << "\n"
      << "expires:      " << timestamp_text(job.expire_time()) << "\n"
      << "last seq.:    " << job.last_sequence() << "\n";
}

void print_job_row(std::ostream& out, const animate::v1::Job& job) {
  out << std::left << std::setw(30) << job.job_id() << " " << std::setw(10)
      << job_state_label(job.state()) << " " << std::right << std::setw(4) << job.priority() << "  "
      << timestamp_text(job.create_time());
  if (job.state() == animate::v1::JOB_STATE_QUEUED) out << "  position " << job.queue_position();
  if (job.state() == animate::v1::JOB_STATE_RUNNING) {
    out << "  " << std::fixed << std::setprecision(0) << job.progress().fraction() * 100 << "%";
  }
  out << "\n";
}

std::string to_json(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

}  // namespace animate::client
