// Shows a job's events on stderr: a one-line progress bar redrawn in place
// on a terminal, plain log lines (only on changes) otherwise, so CI logs stay
// readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "animate/v1/animate_service.pb.h"

namespace animate::client {

class ProgressDisplay {
 public:
  // quiet: nothing at all (scripts that only want the exit code).
  explicit ProgressDisplay(bool quiet);
  ~ProgressDisplay();
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  void on_event(const animate::v1::WatchJobResponse& event, std::uint64_t video_bytes);
  // A message between bar redraws (reconnects, warnings).
  void note(const std::string& text);
  void finish();

 private:
  void draw(const std::string& status, float fraction);
  void line(const std::string& text);

  bool quiet_;
  bool tty_;
  bool bar_shown_ = false;
  std::string last_line_;
  float fraction_ = 0;
  // Without a terminal, progress lines are rate-limited (stage changes and
  // the last step always show) so logs stay short.
  animate::v1::Stage last_stage_ = animate::v1::STAGE_UNSPECIFIED;
  std::chrono::steady_clock::time_point last_progress_line_{};
};

}  // namespace animate::client
