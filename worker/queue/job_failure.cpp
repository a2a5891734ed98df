#include "worker/queue/job_failure.h"

#include <new>
#include <stdexcept>
#include <string>

#include "animate/jobs/jobs_error.h"
#include "media/error.h"

namespace animate::worker {
namespace {

// Out-of-memory from LibTorch arrives as c10::Error (a std::exception)
// whose message says so; it is a resource problem, not a bug.
bool mentions_out_of_memory(const std::string& message) {
  return message.find("out of memory") != std::string::npos ||
         message.find("Out of memory") != std::string::npos ||
         message.find("DefaultCPUAllocator: can't allocate") != std::string::npos;
}

std::string first_line(const std::string& message) {
  const auto end = message.find('\n');
  return end == std::string::npos ? message : message.substr(0, end);
}

}  // namespace

jobs::ErrorInfo describe_failure(const std::exception_ptr& error, RunStage stage) {
  jobs::ErrorInfo info;
  const std::string where = std::string(run_stage_name(stage)) + ": ";
  try {
    std::rethrow_exception(error);
  } catch (const media::MediaError& e) {
    // Encoder failures are ours; everything else is about the uploaded media.
    info.code = e.code() == media::MediaErrorCode::kEncoderError
                    ? jobs::StatusCode::kInternal
                    : jobs::StatusCode::kInvalidArgument;
    info.message = where + e.what();
  } catch (const jobs::JobsError& e) {
    // A referenced asset that expired or was deleted since the job was accepted.
    info.code =
        e.code() == jobs::StatusCode::kNotFound ? jobs::StatusCode::kFailedPrecondition : e.code();
    info.message = where + e.what();
    info.field = e.field();
  } catch (const std::invalid_argument& e) {
    info.code = jobs::StatusCode::kInvalidArgument;
    info.message = where + e.what();
  } catch (const std::bad_alloc&) {
    info.code = jobs::StatusCode::kResourceExhausted;
    info.message = where + "out of memory";
  } catch (const std::exception& e) {
    const std::string message = first_line(e.what());
    info.code = mentions_out_of_memory(message) ? jobs::StatusCode::kResourceExhausted
                                                : jobs::StatusCode::kInternal;
    info.message = where + message;
  } catch (...) {
    info.code = jobs::StatusCode::kInternal;
    info.message = where + "unknown error";
  }
  return info;
}

}  // namespace animate::worker
