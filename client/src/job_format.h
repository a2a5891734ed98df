// Human- and script-readable renderings of jobs for status/list/submit.
#pragma once

#include <ostream>
#include <string>

#include "animate/v1/animate_service.pb.h"

namespace animate::client {

// "queued", "running", ... (the enum name without its prefix, lower case).
std::string job_state_label(animate::v1::JobState state);
std::string stage_label(animate::v1::Stage stage);
// "--state" values -> enum (UsageError otherwise); "" or "all" = unspecified.
animate::v1::JobState parse_job_state(const std::string& text);

// Multi-line "key: value" description.
void print_job(std::ostream& out, const animate::v1::Job& job);
// One line: id, state, priority, progress/result.
void print_job_row(std::ostream& out, const animate::v1::Job& job);
// Any message as one line of JSON (proto field names).
std::string to_json(const google::protobuf::Message& message);

}  // namespace animate::client
