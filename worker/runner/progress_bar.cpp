#include "worker/runner/progress_bar.h"

#include <cstdio>
#include <sstream>

namespace animate::worker {
namespace {

constexpr int kBarWidth = 24;

std::string bar(double fraction) {
  const int filled = static_cast<int>(fraction * kBarWidth + 0.5);
  std::string text = "[";
  for (int i = 0; i < kBarWidth; ++i) text += i < filled ? '#' : '.';
  return text + "]";
}

}  // namespace

ProgressBar::ProgressBar(std::ostream& out, bool redraw_in_place)
    : out_(out), in_place_(redraw_in_place) {}

std::string ProgressBar::describe(const RunProgress& progress) {
  std::ostringstream text;
  char percent[16];
  std::snprintf(percent, sizeof percent, "%3.0f%%", progress.fraction * 100.0);
  text << bar(progress.fraction) << ' ' << percent << ' ' << run_stage_name(progress.stage);
  // Only what moves in this stage: steps and windows while denoising, frames after.
  if (progress.stage == RunStage::kDenoising) {
    text << " step " << progress.step << '/' << progress.total_steps;
    if (progress.total_windows > 0) {
      text << " window " << progress.window << '/' << progress.total_windows;
    }
  } else if (progress.total_frames > 0 && progress.stage != RunStage::kEncodingConditions) {
    text << " frames " << progress.frames_decoded << '/' << progress.total_frames;
  }
  char elapsed[32];
  std::snprintf(elapsed, sizeof elapsed, " %.1fs", progress.elapsed_seconds);
  text << elapsed;
  return text.str();
}

bool ProgressBar::worth_a_plain_line(const RunProgress& progress) const {
  if (!has_last_ || progress.stage != last_.stage) return true;
  if (progress.stage == RunStage::kDenoising) {
    // One line per completed step (all windows), not per window.
    return progress.window == progress.total_windows && progress.step != last_.step;
  }
  return progress.frames_decoded != last_.frames_decoded;
}

void ProgressBar::update(const RunProgress& progress) {
  if (in_place_) {
    // \r and "erase to end of line": the new text may be shorter.
    out_ << '\r' << describe(progress) << "\x1b[K" << std::flush;
    line_open_ = true;
  } else if (worth_a_plain_line(progress)) {
    out_ << describe(progress) << '\n' << std::flush;
  }
  last_ = progress;
  has_last_ = true;
}

void ProgressBar::finish() {
  if (line_open_) out_ << '\n' << std::flush;
  line_open_ = false;
}

}  // namespace animate::worker
