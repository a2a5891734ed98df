#include "media/frame_selection.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace animate::media {
namespace {

constexpr double kMaxFps = 1000.0;
constexpr double kTieTolerance = 1e-9;

// Index of the timestamp nearest to t; ties go to the earlier frame.
std::size_t nearest_index(const std::vector<double>& timestamps, double t) {
  const auto after = std::lower_bound(timestamps.begin(), timestamps.end(), t);
  if (after == timestamps.begin()) return 0;
  if (after == timestamps.end()) return timestamps.size() - 1;
  const auto before = after - 1;
  // Exact halfway cases are common (doubling a frame rate) and must not be
  // decided by rounding noise in t, hence the tolerance.
  const bool earlier_is_closer = (t - *before) <= (*after - t) + kTieTolerance;
  // With repeated timestamps lower_bound/`before` could point into a run;
  // take the first frame of the chosen run so the choice is stable.
  const double chosen = earlier_is_closer ? *before : *after;
  return static_cast<std::size_t>(std::lower_bound(timestamps.begin(), timestamps.end(), chosen) -
                                  timestamps.begin());
}

}  // namespace

void validate_resample_request(const ResampleRequest& request, long max_frames) {
  if (request.frame_count &&
      (*request.frame_count < 1 || static_cast<long>(*request.frame_count) > max_frames)) {
    throw std::invalid_argument("frame_count must be in [1, " + std::to_string(max_frames) +
                                "] (MediaLimits.max_frames), got " +
                                std::to_string(*request.frame_count));
  }
  if (request.fps && !(*request.fps > 0.0 && *request.fps <= kMaxFps)) {
    throw std::invalid_argument("fps must be in (0, 1000], got " + std::to_string(*request.fps));
  }
}

FrameSelection select_frames(const std::vector<double>& timestamps, double end_time,
                             double source_fps, const ResampleRequest& request, long max_frames) {
  validate_resample_request(request, max_frames);
  if (timestamps.empty()) throw std::invalid_argument("select_frames: no source frames");
  const double last = timestamps.back();
  if (!(end_time > last)) end_time = last + (source_fps > 0.0 ? 1.0 / source_fps : 1.0);

  FrameSelection selection;
  if (!request.frame_count && !request.fps) {
    selection.source_indices.resize(timestamps.size());
    for (std::size_t i = 0; i < timestamps.size(); ++i) selection.source_indices[i] = i;
    selection.fps =
        source_fps > 0.0 ? source_fps : timestamps.size() / (end_time - timestamps.front());
    return selection;
  }

  const double span = end_time - timestamps.front();
  std::size_t count = 0;
  double step = 0.0;
  if (request.fps) {
    selection.fps = *request.fps;
    if (request.frame_count) {
      count = static_cast<std::size_t>(*request.frame_count);
    } else {
      // Every target strictly before the end; the epsilon keeps k/fps == end out.
      count = static_cast<std::size_t>(std::max(1.0, std::ceil(span * *request.fps - 1e-9)));
      if (static_cast<long>(count) > max_frames) {
        throw std::invalid_argument(
            "resampling to " + std::to_string(*request.fps) + " fps gives " +
            std::to_string(count) +
            " frames, more than MediaLimits.max_frames = " + std::to_string(max_frames));
      }
    }
  } else {
    count = static_cast<std::size_t>(*request.frame_count);
    step = span / static_cast<double>(count);
    selection.fps = static_cast<double>(count) / span;
  }

  selection.source_indices.reserve(count);
  for (std::size_t k = 0; k < count; ++k) {
    // k / fps rather than k * (1 / fps): exact for the common integer rates.
    const double offset =
        request.fps ? static_cast<double>(k) / *request.fps : static_cast<double>(k) * step;
    selection.source_indices.push_back(nearest_index(timestamps, timestamps.front() + offset));
  }
  return selection;
}

}  // namespace animate::media
