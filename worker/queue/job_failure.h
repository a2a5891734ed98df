#pragma once
// Turns an exception that ended a job into the error stored with it: a
// status code that says whose fault it was (the request, a missing asset,
// resources, our bug) and a message naming the stage and the cause.
#include <exception>

#include "animate/jobs/job_record.h"
#include "worker/runner/run_stage.h"

namespace animate::worker {

jobs::ErrorInfo describe_failure(const std::exception_ptr& error, RunStage stage);

}  // namespace animate::worker
