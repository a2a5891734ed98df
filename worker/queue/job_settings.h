#pragma once
// A queued job's effective parameters (jobs::JobParams, filled in by the
// server) as render settings and input decoding options.
#include "animate/jobs/job_params.h"
#include "worker/runner/job_inputs.h"
#include "worker/runner/render_settings.h"

namespace animate::worker {

RenderSettings settings_from_job_params(const jobs::JobParams& params);
InputDecodeOptions decode_options_from_job_params(const jobs::JobParams& params);

}  // namespace animate::worker
