// The job flags of `animate submit` (one per CreateJobRequest/JobParams
// field) and their translation into the request.
#pragma once

#include <set>
#include <string>

#include "animate/v1/animate_service.pb.h"
#include "args.h"

namespace animate::client {

// Flags that take a value.
const std::set<std::string>& job_request_value_flags();
// Help text of those flags.
const char* job_request_flags_help();

// Fills everything but the asset ids. UsageError for bad values.
animate::v1::CreateJobRequest job_request_from_args(const Args& args);

}  // namespace animate::client
