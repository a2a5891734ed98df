#include "progress_display.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "job_format.h"

namespace animate::client {

ProgressDisplay::ProgressDisplay(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0) {}

ProgressDisplay::~ProgressDisplay() {
  finish();
}

void ProgressDisplay::on_event(const animate::v1::WatchJobResponse& event,
                               std::uint64_t video_bytes) {
  if (quiet_) return;
  std::ostringstream text;
  switch (event.event_case()) {
    case animate::v1::WatchJobResponse::kStateChange: {
      const auto& change = event.state_change();
      text << job_state_label(change.state());
      if (change.attempt() > 1) text << " (attempt " << change.attempt() << ")";
      if (!change.reason().empty() && change.reason() != job_state_label(change.state())) {
        text << ": " << change.reason();
      }
      if (change.has_error() && change.error().code() != 0) {
        text << " [" << change.error().code() << " " << change.error().message() << "]";
      }
      if (change.state() == animate::v1::JOB_STATE_SUCCEEDED) fraction_ = 1;
      line(text.str());
      return;
    }
    case animate::v1::WatchJobResponse::kQueuePosition:
      text << "queued, position " << event.queue_position().position() << " of "
           << event.queue_position().queue_length();
      break;
    case animate::v1::WatchJobResponse::kProgress: {
      const auto& progress = event.progress();
      fraction_ = progress.fraction();
      text << stage_label(progress.stage());
      if (progress.stage() == animate::v1::STAGE_DENOISING && progress.total_steps() > 0) {
        text << " step " << progress.step() << "/" << progress.total_steps();
      }
      if (progress.total_windows() > 1) {
        text << " window " << progress.window() << "/" << progress.total_windows();
      }
      break;
    }
    case animate::v1::WatchJobResponse::kVideoChunk:
      text << "video " << video_bytes << " bytes";
      break;
    case animate::v1::WatchJobResponse::EVENT_NOT_SET: return;
  }
  if (tty_) {
    draw(text.str(), fraction_);
    return;
  }
  if (event.has_progress()) {
    const auto& progress = event.progress();
    const auto now = std::chrono::steady_clock::now();
    const bool stage_changed = progress.stage() != last_stage_;
    const bool last_step = progress.total_steps() > 0 && progress.step() == progress.total_steps();
    if (!stage_changed && !last_step && now - last_progress_line_ < std::chrono::seconds(1)) return;
    last_stage_ = progress.stage();
    last_progress_line_ = now;
  }
  if (event.event_case() != animate::v1::WatchJobResponse::kVideoChunk) line(text.str());
}

void ProgressDisplay::draw(const std::string& status, float fraction) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth + 0.5f);
  std::string bar(static_cast<std::size_t>(std::clamp(filled, 0, kWidth)), '#');
  bar.resize(kWidth, ' ');
  char percent[16];
  std::snprintf(percent, sizeof percent, "%3.0f%%", static_cast<double>(fraction) * 100);
  std::cerr << "\r\033[K[" << bar << "] " << percent << " " << status << std::flush;
  bar_shown_ = true;
}

void ProgressDisplay::line(const std::string& text) {
  if (quiet_ || text == last_line_) return;
  last_line_ = text;
  if (bar_shown_) std::cerr << "\r\033[K";
  bar_shown_ = false;
  std::cerr << text << "\n";
}

void ProgressDisplay::note(const std::string& text) {
  line(text);
}

void ProgressDisplay::finish() {
  if (bar_shown_ && !quiet_) std::cerr << "\n";
  bar_shown_ = false;
}

}  // namespace animate::client
