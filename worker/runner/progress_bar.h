#pragma once
// animate-render's progress display: stage, step i/N, window k/M, frames and
// elapsed time. On a terminal one line is redrawn in place; otherwise (logs,
// pipes) plain lines are printed, one per completed step and decoded chunk,
// so a log stays readable.
#include <ostream>
#include <string>

#include "worker/runner/job_runner.h"

namespace animate::worker {

class ProgressBar {
 public:
  ProgressBar(std::ostream& out, bool redraw_in_place);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(const RunProgress& progress);
  // Ends the in-place line (if any) so that following output starts clean.
  void finish();

  // The text shown for a progress state (without bar redrawing codes).
  static std::string describe(const RunProgress& progress);

 private:
  bool worth_a_plain_line(const RunProgress& progress) const;

  std::ostream& out_;
  bool in_place_;
  bool line_open_ = false;
  RunProgress last_;
  bool has_last_ = false;
};

}  // namespace animate::worker
