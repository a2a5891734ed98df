// SIGTERM/SIGINT (stop) and SIGHUP (reload) as ordinary events.
//
// The handler only writes the signal number into a pipe (async-signal-safe);
// a watcher thread turns it into a notification and runs the reload callback,
// so all the work happens in normal code. A handler rather than blocking the
// signals and sigwait(): libraries (gRPC, LibTorch, CUDA) start threads before
// main() with the signals unblocked, and any of them may receive one.
//
// Without this, SIGHUP's default action would kill the process.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace animate::runtime {

class ProcessSignals {
 public:
  // One per process: installs the handlers; the defaults come back when it is
  // destroyed. Throws std::runtime_error when it cannot.
  ProcessSignals();
  ~ProcessSignals();
  ProcessSignals(const ProcessSignals&) = delete;
  ProcessSignals& operator=(const ProcessSignals&) = delete;

  // Runs on the watcher thread for each SIGHUP (none set: SIGHUP is ignored).
  void on_reload(std::function<void()> reload);

  // Stop signals (SIGTERM, SIGINT, request_stop()) received so far.
  int stop_count() const;
  // The first stop signal's number (0 for none, -1 for request_stop()).
  int first_stop_signal() const;
  void wait_for_stop() const;
  // Waits up to `timeout` until `count` stop signals have arrived in all.
  bool wait_for_stops(int count, std::chrono::milliseconds timeout) const;
  // Counts as a stop signal (tests, fatal errors found by a thread).
  void request_stop();

 private:
  void watch();
  void record_stop(int number);

  int pipe_[2] = {-1, -1};
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  int stops_ = 0;
  int first_stop_ = 0;
  std::function<void()> reload_;
  std::thread watcher_;
};

}  // namespace animate::runtime
