#include "media/video_probe.h"

#include <cmath>

#include "media/video_probe_internal.h"

namespace animate::media {
namespace detail {

VideoProbe describe_video(const VideoInput& input) {
  const AVStream& stream = *input.stream;
  VideoProbe probe;
  probe.container = input.format->iformat->name;
  probe.codec = avcodec_get_name(stream.codecpar->codec_id);
  probe.width = stream.codecpar->width;
  probe.height = stream.codecpar->height;
  probe.rotation = display_rotation(stream);
  probe.fps = nominal_fps(stream);
  probe.input_bytes = input.source->size();
  if (stream.duration != AV_NOPTS_VALUE && stream.duration > 0) {
    probe.duration_s = static_cast<double>(stream.duration) * av_q2d(stream.time_base);
  } else if (input.format->duration != AV_NOPTS_VALUE && input.format->duration > 0) {
    probe.duration_s = static_cast<double>(input.format->duration) / AV_TIME_BASE;
  }
  if (stream.nb_frames > 0) {
    probe.frame_count = stream.nb_frames;
  } else if (probe.duration_s > 0.0 && probe.fps > 0.0) {
    probe.frame_count = std::llround(probe.duration_s * probe.fps);
  }
  return probe;
}

void check_probe_limits(const VideoProbe& probe, const MediaLimits& limits,
                        const std::string& what) {
  check_frame_pixels(probe.width, probe.height, limits, what);
  check_duration(probe.duration_s, limits, what);
  check_frame_count(probe.frame_count, limits, what);
}

}  // namespace detail

namespace {

VideoProbe probe_source(std::unique_ptr<detail::ByteSource> source, const MediaLimits& limits) {
  validate_limits(limits);
  const detail::VideoInput input = detail::open_video_input(std::move(source), limits, "video");
  VideoProbe probe = detail::describe_video(input);
  detail::check_probe_limits(probe, limits, input.what);
  return probe;
}

}  // namespace

VideoProbe probe_video_file(const std::filesystem::path& path, const MediaLimits& limits) {
  return probe_source(detail::file_source(path), limits);
}

VideoProbe probe_video_memory(std::string_view bytes, const MediaLimits& limits) {
  return probe_source(detail::memory_source(bytes), limits);
}

}  // namespace animate::media
