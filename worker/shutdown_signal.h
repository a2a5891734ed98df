#pragma once
// SIGTERM/SIGINT as an event the worker can wait for. The handler only
// writes the signal number into a pipe (async-signal-safe); a watcher thread
// turns that into an ordinary notification, so shutdown runs as normal code.
// A handler rather than blocking + sigwait: libraries start threads before
// main() (with the signals unblocked), and any of them may receive it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace animate::worker {

class ShutdownSignal {
 public:
  // One per process: installs the handlers, restored when destroyed.
  ShutdownSignal();
  ~ShutdownSignal();
  ShutdownSignal(const ShutdownSignal&) = delete;
  ShutdownSignal& operator=(const ShutdownSignal&) = delete;

  bool received() const { return signal_ != 0; }
  // The first signal received.
  int signal_number() const { return signal_; }
  // Blocks until a signal arrives.
  void wait();
  // Waits up to `timeout` until `count` signals have arrived in all.
  bool wait_for_count(int count, std::chrono::milliseconds timeout);

 private:
  void watch();

  int pipe_[2] = {-1, -1};
  std::atomic<int> signal_{0};
  int count_ = 0;  // guarded by mutex_
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::thread watcher_;
};

}  // namespace animate::worker
