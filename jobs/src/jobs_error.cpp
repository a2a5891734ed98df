#include "animate/jobs/jobs_error.h"

#include <utility>

namespace animate::jobs {

JobsError::JobsError(StatusCode code, const std::string& message, std::string field,
                     std::chrono::milliseconds retry_after)
    : std::runtime_error(message),
      code_(code),
      field_(std::move(field)),
      retry_after_(retry_after) {}

}  // namespace animate::jobs
