#include "media/video_decoder.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "media/byte_source.h"
#include "media/error.h"
#include "media/frame_selection.h"
#include "media/rgb_converter.h"
#include "media/video_frame_reader.h"
#include "media/video_input.h"
#include "media/video_probe_internal.h"

namespace animate::media {
namespace {

struct Timeline {
  std::vector<double> timestamps_s;
  double end_s = 0.0;
  int width = 0;  // of the first decoded frame (coded orientation)
  int height = 0;
};

void validate_options(const VideoDecodeOptions& options) {
  validate_limits(options.limits);
  validate_resample_request({options.frame_count, options.fps}, options.limits.max_frames);
  if (options.threads < 0) {
    throw std::invalid_argument("VideoDecodeOptions.threads must be >= 0, got " +
                                std::to_string(options.threads));
  }
}

// Pass 1: every frame's timestamp, with limits enforced as frames arrive.
Timeline read_timeline(detail::VideoInput& input, const VideoDecodeOptions& options) {
  Timeline timeline;
  detail::VideoFrameReader reader(input, options.threads);
  while (const AVFrame* frame = reader.next()) {
    check_frame_pixels(frame->width, frame->height, options.limits, input.what);
    if (timeline.timestamps_s.empty()) {
      timeline.width = frame->width;
      timeline.height = frame->height;
    }
    timeline.timestamps_s.push_back(reader.timestamp_s());
    timeline.end_s = std::max(timeline.end_s, reader.timestamp_s() + reader.duration_s());
    check_frame_count(static_cast<std::int64_t>(timeline.timestamps_s.size()), options.limits,
                      input.what);
    check_duration(reader.timestamp_s(), options.limits, input.what);
  }
  if (timeline.timestamps_s.empty()) {
    throw MediaError(MediaErrorCode::kInvalidData, input.what + ": no decodable video frames (" +
                                                       std::to_string(reader.skipped_packets()) +
                                                       " corrupt packets)");
  }
  return timeline;
}

DecodedVideo decode_source(std::unique_ptr<detail::ByteSource> source,
                           const VideoDecodeOptions& options) {
  validate_options(options);
  auto second_pass_source = source->reopen();

  DecodedVideo result;
  Timeline timeline;
  int rotation = 0;
  {
    detail::VideoInput input = detail::open_video_input(std::move(source), options.limits, "video");
    result.probe = detail::describe_video(input);
    detail::check_probe_limits(result.probe, options.limits, input.what);
    rotation = options.apply_rotation ? result.probe.rotation : 0;
    timeline = read_timeline(input, options);
  }
  const double source_fps =
      result.probe.fps > 0.0 ? result.probe.fps
                             : static_cast<double>(timeline.timestamps_s.size()) / timeline.end_s;
  const FrameSelection selection =
      select_frames(timeline.timestamps_s, timeline.end_s, source_fps,
                    {options.frame_count, options.fps}, options.limits.max_frames);
  result.fps = selection.fps;
  result.source_frame_count = static_cast<std::int64_t>(timeline.timestamps_s.size());
  result.source_duration_s = timeline.end_s;

  const bool quarter_turn = rotation % 180 != 0;
  const FrameSize display = {quarter_turn ? timeline.height : timeline.width,
                             quarter_turn ? timeline.width : timeline.height};
  const FrameSize output = resolve_output_size(display.width, display.height, options.width,
                                               options.height, "VideoDecodeOptions");
  check_frame_pixels(output.width, output.height, options.limits, "requested output size");
  // Scale in the coded orientation, then turn: the turn is lossless.
  const FrameSize scaled = {quarter_turn ? output.height : output.width,
                            quarter_turn ? output.width : output.height};

  // Pass 2: convert only the selected frames (repeats are copies).
  detail::VideoInput input =
      detail::open_video_input(std::move(second_pass_source), options.limits, "video");
  detail::VideoFrameReader reader(input, options.threads);
  detail::RgbConverter converter(scaled, options.filter);
  const std::vector<std::size_t>& wanted = selection.source_indices;
  result.frames.reserve(wanted.size());
  std::size_t next_output = 0;
  for (std::size_t index = 0; next_output < wanted.size(); ++index) {
    const AVFrame* frame = reader.next();
    if (frame == nullptr) break;
    if (wanted[next_output] != index) continue;
    Frame rgb = converter.convert(*frame);
    if (rotation != 0) rgb = rotate_counterclockwise(rgb, rotation);
    while (next_output < wanted.size() && wanted[next_output] == index) {
      result.frames.push_back(rgb);
      result.source_indices.push_back(index);
      result.source_timestamps_s.push_back(timeline.timestamps_s[index]);
      ++next_output;
    }
  }
  if (next_output != wanted.size()) {
    throw MediaError(MediaErrorCode::kInvalidData,
                     input.what + ": the second decoding pass ended after " +
                         std::to_string(next_output) + " of " + std::to_string(wanted.size()) +
                         " selected frames");
  }
  return result;
}

}  // namespace

DecodedVideo decode_video_file(const std::filesystem::path& path,
                               const VideoDecodeOptions& options) {
  return decode_source(detail::file_source(path), options);
}

DecodedVideo decode_video_memory(std::string_view bytes, const VideoDecodeOptions& options) {
  return decode_source(detail::memory_source(bytes), options);
}

}  // namespace animate::media
