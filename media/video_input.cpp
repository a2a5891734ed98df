#include "media/video_input.h"

#include <cmath>
#include <cstring>

#include "media/error.h"

extern "C" {
#include <libavutil/display.h>
}

namespace animate::media::detail {
namespace {

constexpr int kAvioBufferSize = 64 * 1024;

int read_callback(void* opaque, uint8_t* buffer, int size) {
  auto* source = static_cast<ByteSource*>(opaque);
  const long n = source->read(buffer, static_cast<std::size_t>(size));
  if (n < 0) return AVERROR(EIO);
  if (n == 0) return AVERROR_EOF;
  return static_cast<int>(n);
}

int64_t seek_callback(void* opaque, int64_t offset, int whence) {
  auto* source = static_cast<ByteSource*>(opaque);
  if (whence & AVSEEK_SIZE) return static_cast<int64_t>(source->size());
  int64_t base = 0;
  switch (whence & ~AVSEEK_FORCE) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = static_cast<int64_t>(source->position()); break;
    case SEEK_END: base = static_cast<int64_t>(source->size()); break;
    default: return AVERROR(EINVAL);
  }
  const int64_t target = base + offset;
  if (target < 0 || !source->seek(static_cast<uint64_t>(target))) return AVERROR(EINVAL);
  return target;
}

// Demuxers such as HLS, DASH or concat would open further URLs named inside
// the input (local files, network); uploads must never reach anything else.
int deny_nested_open(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) {
  return AVERROR(EPERM);
}

AvioPtr make_read_avio(ByteSource& source) {
  auto* buffer = static_cast<unsigned char*>(av_malloc(kAvioBufferSize));
  if (buffer == nullptr) throw MediaError(MediaErrorCode::kEncoderError, "out of memory: avio");
  AvioPtr avio(avio_alloc_context(buffer, kAvioBufferSize, 0, &source, read_callback, nullptr,
                                  seek_callback));
  if (!avio) {
    av_free(buffer);
    throw MediaError(MediaErrorCode::kEncoderError, "out of memory: avio_alloc_context");
  }
  return avio;
}

}  // namespace

VideoInput open_video_input(std::unique_ptr<ByteSource> source, const MediaLimits& limits,
                            std::string_view what) {
  VideoInput input;
  input.what = std::string(what) + " '" + source->name() + "'";
  if (source->size() == 0) {
    throw MediaError(MediaErrorCode::kInvalidData, input.what + ": the input is empty");
  }
  check_input_bytes(source->size(), limits, input.what);
  input.source = std::move(source);
  input.avio = make_read_avio(*input.source);

  // Probing separately tells "not a video at all" from "a corrupt or
  // truncated file of a known format" (e.g. an MP4 whose moov is missing).
  const AVInputFormat* container = nullptr;
  const int probed = av_probe_input_buffer2(input.avio.get(), &container, "", nullptr, 0, 0);
  if (probed < 0 || container == nullptr) {
    throw MediaError(
        MediaErrorCode::kUnsupportedFormat,
        input.what + ": not a video container FFmpeg recognises (" + av_error_text(probed) + ")");
  }
  AVFormatContext* raw = avformat_alloc_context();
  if (raw == nullptr) throw MediaError(MediaErrorCode::kEncoderError, "out of memory: avformat");
  raw->pb = input.avio.get();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  raw->io_open = deny_nested_open;
  // avformat_open_input frees the context itself when it fails.
  const int opened = avformat_open_input(&raw, nullptr, container, nullptr);
  if (opened < 0) {
    throw MediaError(MediaErrorCode::kInvalidData, input.what + ": corrupt or truncated '" +
                                                       container->name + "' container (" +
                                                       av_error_text(opened) + ")");
  }
  input.format.reset(raw);

  const int info = avformat_find_stream_info(input.format.get(), nullptr);
  if (info < 0) {
    throw MediaError(MediaErrorCode::kInvalidData,
                     input.what + ": cannot read stream information (" + av_error_text(info) + ")");
  }
  const AVCodec* decoder = nullptr;
  const int best = av_find_best_stream(input.format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  bool any_known_codec = false;
  for (unsigned i = 0; i < input.format->nb_streams; ++i) {
    any_known_codec |= input.format->streams[i]->codecpar->codec_id != AV_CODEC_ID_NONE;
  }
  if (!any_known_codec) {
    // A recognised container without a single identifiable stream has lost
    // its header (e.g. an MP4 cut inside its moov box).
    throw MediaError(MediaErrorCode::kInvalidData, input.what + ": corrupt or truncated '" +
                                                       container->name +
                                                       "' container (no usable streams)");
  }
  if (best == AVERROR_STREAM_NOT_FOUND) {
    throw MediaError(MediaErrorCode::kUnsupportedFormat, input.what + ": contains no video stream");
  }
  if (best < 0 || decoder == nullptr) {
    const AVStream* any = nullptr;
    for (unsigned i = 0; i < input.format->nb_streams; ++i) {
      if (input.format->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
        any = input.format->streams[i];
        break;
      }
    }
    const std::string codec = any ? avcodec_get_name(any->codecpar->codec_id) : "unknown";
    throw MediaError(MediaErrorCode::kUnsupportedFormat,
                     input.what + ": no decoder for video codec '" + codec + "'");
  }
  input.stream = input.format->streams[best];
  input.decoder = decoder;
  // Only the chosen stream is demuxed further; audio and others are skipped.
  for (unsigned i = 0; i < input.format->nb_streams; ++i) {
    if (static_cast<int>(i) != best) input.format->streams[i]->discard = AVDISCARD_ALL;
  }
  const AVCodecParameters& parameters = *input.stream->codecpar;
  if (parameters.width <= 0 || parameters.height <= 0) {
    throw MediaError(MediaErrorCode::kInvalidData, input.what +
                                                       ": the video stream has no frame size (" +
                                                       std::to_string(parameters.width) + "x" +
                                                       std::to_string(parameters.height) + ")");
  }
  return input;
}

int display_rotation(const AVStream& stream) {
  const uint8_t* matrix = nullptr;
#if LIBAVFORMAT_VERSION_INT >= AV_VERSION_INT(60, 15, 100)
  const AVPacketSideData* side_data =
      av_packet_side_data_get(stream.codecpar->coded_side_data, stream.codecpar->nb_coded_side_data,
                              AV_PKT_DATA_DISPLAYMATRIX);
  if (side_data != nullptr && side_data->size >= 9 * sizeof(int32_t)) matrix = side_data->data;
#else
  size_t size = 0;
  matrix = av_stream_get_side_data(&stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
  if (size < 9 * sizeof(int32_t)) matrix = nullptr;
#endif
  if (matrix == nullptr) return 0;
  // Side data is only byte-aligned; copy before reading it as int32.
  int32_t values[9];
  std::memcpy(values, matrix, sizeof(values));
  const double degrees = av_display_rotation_get(values);
  if (!std::isfinite(degrees)) return 0;
  // Arbitrary angles are rounded to the nearest quarter turn: frames are
  // rotated losslessly, never resampled.
  const long quarter_turns = std::lround(degrees / 90.0);
  return static_cast<int>(((quarter_turns % 4) + 4) % 4) * 90;
}

double nominal_fps(const AVStream& stream) {
  if (stream.avg_frame_rate.num > 0 && stream.avg_frame_rate.den > 0) {
    return av_q2d(stream.avg_frame_rate);
  }
  if (stream.r_frame_rate.num > 0 && stream.r_frame_rate.den > 0) {
    return av_q2d(stream.r_frame_rate);
  }
  return 0.0;
}

}  // namespace animate::media::detail
