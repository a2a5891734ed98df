#pragma once
// Resampling a timed frame sequence to a requested frame count and/or frame
// rate by nearest-timestamp selection: output frame k is shown at time t_k and
// is the source frame whose presentation timestamp is closest to t_k (ties go
// to the earlier frame). Frames are only dropped or repeated, never blended, so
// pose drawings stay crisp. Variable-frame-rate sources are handled because
// only the timestamps matter.
//
//   nothing requested   every source frame, at the source frame rate
//   fps only            t_k = k / fps for every t_k before the end time
//   frame_count only    t_k = k * end_time / frame_count (spans the whole
//                       source); the output rate is frame_count / end_time
//   both                t_k = k / fps for k < frame_count; targets past the
//                       end of the source repeat its last frame
#include <cstddef>
#include <optional>
#include <vector>

namespace animate::media {

struct ResampleRequest {
  std::optional<int> frame_count;
  std::optional<double> fps;
};

struct FrameSelection {
  // One entry per output frame: an index into the source frames (non-decreasing).
  std::vector<std::size_t> source_indices;
  // Presentation rate of the output frames.
  double fps = 0.0;
};

// `timestamps`: source presentation times in seconds, non-decreasing, the
// first normally 0. `end_time`: when the last source frame stops being shown
// (> the last timestamp). `source_fps`: the rate reported when nothing is
// requested. Throws std::invalid_argument for an empty source or a request
// outside (0, 1000] fps / [1, max_frames] frames (`max_frames` names the limit).
FrameSelection select_frames(const std::vector<double>& timestamps, double end_time,
                             double source_fps, const ResampleRequest& request, long max_frames);

// Validates a request before any decoding (same rules and messages as above).
void validate_resample_request(const ResampleRequest& request, long max_frames);

}  // namespace animate::media
