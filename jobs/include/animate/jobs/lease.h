// A worker's hold on a running job. Every worker-side write names the lease
// token and is refused (kAborted) once the lease is no longer the job's
// current one: after expiry and reclaim, after a deadline, or after the job
// was finished. That fencing is what keeps a job from running twice at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "animate/jobs/job_record.h"

namespace animate::jobs {

struct Lease {
  std::string job_id;
  std::string token;
  std::string worker_id;
  std::uint32_t attempt = 0;
  std::chrono::milliseconds duration{0};
  std::int64_t expires_ms = 0;  // Redis clock
  JobRecord job;                // as claimed
};

// What a heartbeat or a progress report learns.
struct LeaseStatus {
  bool cancel_requested = false;  // stop at the next step, then mark_cancelled()
  std::int64_t expires_ms = 0;
};

struct ClaimOptions {
  std::string worker_id;  // who holds the lease (logs, reasons)
  std::chrono::milliseconds lease{60000};
  // How long claim() waits for a job (0 = one attempt, no waiting).
  std::chrono::milliseconds wait{0};
  // While waiting, retry at least this often (expired leases of other
  // workers are noticed by polling; new jobs wake waiters at once).
  std::chrono::milliseconds poll_interval{1000};
};

}  // namespace animate::jobs
