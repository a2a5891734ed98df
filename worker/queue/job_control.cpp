#include "worker/queue/job_control.h"

#include <utility>

#include "animate/jobs/jobs_error.h"

namespace animate::worker {

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kNone: return "none";
    case StopReason::kCancelRequested: return "cancel requested";
    case StopReason::kLeaseLost: return "lease lost";
    case StopReason::kHandBack: return "hand back";
  }
  return "?";
}

JobControl::JobControl(jobs::JobQueue& queue, jobs::Lease lease, runtime::Logger logger)
    : queue_(queue),
      logger_(std::move(logger)),
      job_id_(lease.job_id),
      job_(lease.job),
      lease_(std::move(lease)) {
  if (job_.cancel_requested) stop(StopReason::kCancelRequested);
}

void JobControl::stop(StopReason reason) {
  StopReason expected = StopReason::kNone;
  if (reason_.compare_exchange_strong(expected, reason)) {
    logger_.info("stopping", {{"reason", stop_reason_name(reason)}});
  }
  token_.request();
}

void JobControl::observe(const jobs::LeaseStatus& status) {
  if (status.cancel_requested) stop(StopReason::kCancelRequested);
}

void JobControl::heartbeat() {
  try {
    const std::lock_guard<std::mutex> lock(lease_mutex_);
    if (finished_) return;
    observe(queue_.heartbeat(lease_));
  } catch (const jobs::JobsError& error) {
    if (error.code() == jobs::StatusCode::kAborted) {
      stop(StopReason::kLeaseLost);
    } else {
      logger_.warning("heartbeat failed (will retry)", {{"error", error.what()}});
    }
  }
}

void JobControl::report_progress(const jobs::Progress& progress) {
  try {
    const std::lock_guard<std::mutex> lock(lease_mutex_);
    observe(queue_.report_progress(lease_, progress));
  } catch (const jobs::JobsError& error) {
    if (error.code() == jobs::StatusCode::kAborted) {
      stop(StopReason::kLeaseLost);
    } else {
      logger_.warning("progress report failed", {{"error", error.what()}});
    }
  }
}

void JobControl::append_result(const std::string& bytes, bool init_segment) {
  try {
    const std::lock_guard<std::mutex> lock(lease_mutex_);
    queue_.append_result(lease_, bytes, init_segment);
  } catch (const jobs::JobsError& error) {
    if (error.code() == jobs::StatusCode::kAborted) stop(StopReason::kLeaseLost);
    throw;
  }
}

void JobControl::succeed(const jobs::ResultInfo& result) {
  const std::lock_guard<std::mutex> lock(lease_mutex_);
  queue_.succeed(lease_, result);
  finished_ = true;
}

void JobControl::fail(const jobs::ErrorInfo& error) {
  const std::lock_guard<std::mutex> lock(lease_mutex_);
  queue_.fail(lease_, error);
  finished_ = true;
}

void JobControl::mark_cancelled() {
  const std::lock_guard<std::mutex> lock(lease_mutex_);
  queue_.mark_cancelled(lease_);
  finished_ = true;
}

void JobControl::release(const std::string& reason) {
  const std::lock_guard<std::mutex> lock(lease_mutex_);
  queue_.release(lease_, reason);
  finished_ = true;
}

}  // namespace animate::worker
