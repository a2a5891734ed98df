#include "worker/queue/job_control.h"

#include <algorithm>
#include <thread>
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
  note_lease_extended();
}

void JobControl::note_lease_extended() {
  lease_valid_until_ =
      (std::chrono::steady_clock::now() + lease_.duration).time_since_epoch().count();
}

void JobControl::retry_while_leased(std::string_view what, const std::function<void()>& operation) {
  using Clock = std::chrono::steady_clock;
  // Backoff between tries; the retries stop this long before the lease would
  // run out, so the job is not written after another worker could own it.
  constexpr std::chrono::milliseconds kFirstBackoff{200};
  constexpr std::chrono::milliseconds kMaxBackoff{2000};
  const std::chrono::milliseconds margin = lease_.duration / 6;
  std::chrono::milliseconds backoff = kFirstBackoff;
  for (int attempt = 1;; ++attempt) {
    try {
      operation();
      if (attempt > 1) {
        logger_.info("Redis answered again", {{"operation", what}, {"tries", attempt}});
      }
      return;
    } catch (const jobs::JobsError& error) {
      if (error.code() == jobs::StatusCode::kAborted) stop(StopReason::kLeaseLost);
      if (error.code() != jobs::StatusCode::kUnavailable) throw;
      const Clock::time_point valid_until{Clock::duration(lease_valid_until_.load())};
      if (Clock::now() + backoff + margin >= valid_until) {
        logger_.error("Redis unavailable for longer than the lease: giving the job up",
                      {{"operation", what}, {"tries", attempt}, {"error", error.what()}});
        stop(StopReason::kLeaseLost);
        throw;
      }
      logger_.warning("Redis unavailable (will retry)", {{"operation", what},
                                                         {"tries", attempt},
                                                         {"retry_in_ms", backoff.count()},
                                                         {"error", error.what()}});
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }
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
    note_lease_extended();
  } catch (const jobs::JobsError& error) {
    if (error.code() == jobs::StatusCode::kAborted) {
      stop(StopReason::kLeaseLost);
    } else {
      logger_.warning("heartbeat failed (will retry)", {{"error", error.what()}});
    }
  }
}

void JobControl::report_progress(const jobs::Progress& progress) {
  // Progress is informative: after a failed report the next ones are skipped
  // for a while, so a Redis stall does not cost the job a command timeout per
  // step (the heartbeat keeps probing in the meantime).
  constexpr std::chrono::seconds kQuietAfterFailure{5};
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  if (now < progress_quiet_until_.load()) return;
  try {
    const std::lock_guard<std::mutex> lock(lease_mutex_);
    observe(queue_.report_progress(lease_, progress));
    note_lease_extended();
  } catch (const jobs::JobsError& error) {
    if (error.code() == jobs::StatusCode::kAborted) {
      stop(StopReason::kLeaseLost);
    } else {
      progress_quiet_until_ =
          (std::chrono::steady_clock::now() + kQuietAfterFailure).time_since_epoch().count();
      logger_.warning("progress report failed (skipping reports for 5 s)",
                      {{"error", error.what()}});
    }
  }
}

void JobControl::append_result(const std::string& bytes, bool init_segment) {
  // The lock is taken per try, so heartbeats can go out between them.
  retry_while_leased("append_result", [&] {
    const std::lock_guard<std::mutex> lock(lease_mutex_);
    queue_.append_result(lease_, bytes, init_segment, result_bytes_);
    note_lease_extended();
  });
  result_bytes_ += bytes.size();
}

void JobControl::succeed(const jobs::ResultInfo& result) {
  // Retried like append_result. A try whose reply was lost may have
  // succeeded already; the next one then finds the lease gone (ABORTED), so
  // that answer is checked against the job record before it counts as lost.
  int tries = 0;
  try {
    retry_while_leased("succeed", [&] {
      ++tries;
      const std::lock_guard<std::mutex> lock(lease_mutex_);
      queue_.succeed(lease_, result);
      finished_ = true;
    });
  } catch (const jobs::JobsError& error) {
    if (error.code() != jobs::StatusCode::kAborted || tries < 2) throw;
    const auto record = queue_.find(job_id_);
    if (!record || record->state != jobs::JobState::kSucceeded ||
        record->attempt != lease_.attempt || !record->result ||
        record->result->sha256 != result.sha256) {
      throw;
    }
    const std::lock_guard<std::mutex> lock(lease_mutex_);
    finished_ = true;
    reason_ = StopReason::kNone;  // the "lease lost" was our own success
    logger_.info("the succeed whose reply was lost had been recorded");
  }
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
