#pragma once
// Upper bounds on what a decoder accepts, so hostile or accidental inputs
// (decompression bombs, hour-long videos, 100-megapixel frames) fail fast with
// a message naming the limit instead of exhausting memory. The server sets
// these from its configuration; the defaults suit a single upload.
#include <cstdint>
#include <string_view>

namespace animate::media {

struct MediaLimits {
  // Size of one input: an uploaded image, video or zip, or one file in a folder.
  std::uint64_t max_input_bytes = 256ull << 20;
  // width * height of one decoded frame or image (before any resizing).
  std::uint64_t max_pixels = 4096ull * 4096ull;
  // Frames decoded from one video, or images in one folder/zip; also the
  // largest frame count a caller may request.
  std::int64_t max_frames = 9000;
  // Presentation length of one video or image sequence, in seconds.
  double max_duration_s = 600.0;
  // Sum of the uncompressed sizes of the images read from one zip or folder.
  std::uint64_t max_unpacked_bytes = 1ull << 30;
};

// std::invalid_argument naming the field when a limit is zero or negative.
void validate_limits(const MediaLimits& limits);

// Each throws MediaError(kLimitExceeded) whose message starts with `what`
// (e.g. "pose video", "reference image") and names the limit and both values.
void check_input_bytes(std::uint64_t bytes, const MediaLimits& limits, std::string_view what);
void check_frame_pixels(std::int64_t width, std::int64_t height, const MediaLimits& limits,
                        std::string_view what);
void check_frame_count(std::int64_t frames, const MediaLimits& limits, std::string_view what);
void check_duration(double seconds, const MediaLimits& limits, std::string_view what);
void check_unpacked_bytes(std::uint64_t bytes, const MediaLimits& limits, std::string_view what);

}  // namespace animate::media
