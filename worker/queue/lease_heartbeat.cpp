#include "worker/queue/lease_heartbeat.h"

namespace animate::worker {

LeaseHeartbeat::LeaseHeartbeat(JobControl& control, std::chrono::milliseconds interval)
    : control_(control), interval_(interval), thread_([this] { loop(); }) {}

LeaseHeartbeat::~LeaseHeartbeat() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void LeaseHeartbeat::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    control_.heartbeat();
    lock.lock();
    // Nothing more to keep alive once another worker may own the job.
    if (control_.reason() == StopReason::kLeaseLost) return;
  }
}

}  // namespace animate::worker
