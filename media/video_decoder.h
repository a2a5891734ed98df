#pragma once
// Decoding a driving pose video (any container/codec FFmpeg handles) into RGB
// frames: rotation metadata applied, optionally resampled to a frame count
// and/or frame rate by nearest timestamp (see frame_selection.h) and scaled.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "media/frame.h"
#include "media/limits.h"
#include "media/resize.h"
#include "media/video_probe.h"

namespace animate::media {

struct VideoDecodeOptions {
  // Resampling (frame_selection.h); both unset = every source frame.
  std::optional<int> frame_count;
  std::optional<double> fps;
  // Output size after rotation; 0 = source size, one side 0 = keep aspect.
  int width = 0;
  int height = 0;
  // swscale: SWS_BILINEAR / SWS_BICUBIC / SWS_AREA with accurate rounding
  // and full chroma interpolation; OpenCV's equivalent for image sequences.
  ScaleFilter filter = ScaleFilter::kBilinear;
  // Turn frames as the display matrix says (what players and ffmpeg do).
  bool apply_rotation = true;
  // Frame rate given to folders and zips of images, which carry no timing.
  // 16 fps is what Wan2.1 generates.
  double image_sequence_fps = 16.0;
  // Decoder threads; 0 lets FFmpeg choose.
  int threads = 0;
  MediaLimits limits;
};

struct DecodedVideo {
  std::vector<Frame> frames;
  double fps = 0.0;  // presentation rate of `frames`
  // For each output frame: the source frame index and its timestamp (s).
  std::vector<std::size_t> source_indices;
  std::vector<double> source_timestamps_s;
  std::int64_t source_frame_count = 0;  // frames actually decoded/listed
  double source_duration_s = 0.0;       // end of the last source frame
  VideoProbe probe;                     // what the container said
};

// Decoding runs two passes over the input: the first reads every timestamp
// (no pixel conversion), the second converts only the selected frames, so
// memory holds the output frames only. Corrupt packets are skipped as players
// do; a video that yields no frame at all, a demuxing error, or exceeding a
// limit throws MediaError. Invalid options throw std::invalid_argument.
DecodedVideo decode_video_file(const std::filesystem::path& path,
                               const VideoDecodeOptions& options = {});
// `bytes` must stay valid during the call only.
DecodedVideo decode_video_memory(std::string_view bytes, const VideoDecodeOptions& options = {});

}  // namespace animate::media
