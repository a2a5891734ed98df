#pragma once
// A cheap look at a video (container header and stream info, a few frames at
// most), for validating uploads before they are stored. Works on a path or on
// bytes in memory; limits are enforced on what the header claims.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "media/limits.h"

namespace animate::media {

struct VideoProbe {
  std::string container;  // FFmpeg demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
  std::string codec;      // e.g. "h264"
  int width = 0;          // coded frame size
  int height = 0;
  // Degrees counterclockwise the frames are turned for display (0, 90, 180,
  // 270), as ffprobe reports it; decoding applies it by default.
  int rotation = 0;
  // Estimated frame count: the container's count when it stores one, else
  // duration * fps rounded. Decoding finds the exact number.
  std::int64_t frame_count = 0;
  double duration_s = 0.0;  // 0 when the container does not say
  double fps = 0.0;         // average frame rate; 0 when unknown
  std::uint64_t input_bytes = 0;

  // Frame size after rotation.
  int display_width() const { return rotation % 180 == 0 ? width : height; }
  int display_height() const { return rotation % 180 == 0 ? height : width; }
};

// Throw MediaError: kUnsupportedFormat (not a video / no video stream / no
// decoder), kInvalidData (corrupt container), kLimitExceeded (max_input_bytes,
// max_pixels, max_duration_s, max_frames against the estimate), kIoError.
VideoProbe probe_video_file(const std::filesystem::path& path, const MediaLimits& limits = {});
// `bytes` is only read during the call.
VideoProbe probe_video_memory(std::string_view bytes, const MediaLimits& limits = {});

}  // namespace animate::media
