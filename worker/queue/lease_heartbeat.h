#pragma once
// Keeps a running job's lease alive from a background thread, independent of
// how long one denoise step takes (a 14B step can outlast a progress-based
// renewal). Stops and joins when destroyed.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "worker/queue/job_control.h"

namespace animate::worker {

class LeaseHeartbeat {
 public:
  LeaseHeartbeat(JobControl& control, std::chrono::milliseconds interval);
  ~LeaseHeartbeat();
  LeaseHeartbeat(const LeaseHeartbeat&) = delete;
  LeaseHeartbeat& operator=(const LeaseHeartbeat&) = delete;

 private:
  void loop();

  JobControl& control_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace animate::worker
