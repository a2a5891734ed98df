// The one exception type of the jobs library. Its code tells the server which
// gRPC status to answer with (same numbering), field names the offending
// request field where there is one, and retry_after hints when to retry
// (RESOURCE_EXHAUSTED from a full queue).
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

#include "animate/jobs/status_code.h"

namespace animate::jobs {

class JobsError : public std::runtime_error {
 public:
  JobsError(StatusCode code, const std::string& message, std::string field = {},
            std::chrono::milliseconds retry_after = std::chrono::milliseconds{0});

  StatusCode code() const noexcept { return code_; }
  const std::string& field() const noexcept { return field_; }
  std::chrono::milliseconds retry_after() const noexcept { return retry_after_; }

 private:
  StatusCode code_;
  std::string field_;
  std::chrono::milliseconds retry_after_;
};

}  // namespace animate::jobs
