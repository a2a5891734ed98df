#include "media/ffmpeg_handles.h"

#include "media/error.h"

extern "C" {
#include <libavutil/error.h>
}

namespace animate::media::detail {

AvFramePtr make_frame() {
  AvFramePtr frame(av_frame_alloc());
  if (!frame) throw MediaError(MediaErrorCode::kEncoderError, "out of memory: av_frame_alloc");
  return frame;
}

PacketPtr make_packet() {
  PacketPtr packet(av_packet_alloc());
  if (!packet) throw MediaError(MediaErrorCode::kEncoderError, "out of memory: av_packet_alloc");
  return packet;
}

CodecContextPtr make_codec_context(const AVCodec* codec) {
  CodecContextPtr context(avcodec_alloc_context3(codec));
  if (!context) {
    throw MediaError(MediaErrorCode::kEncoderError, "out of memory: avcodec_alloc_context3");
  }
  return context;
}

std::string av_error_text(int error) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(error, text, sizeof(text)) < 0) return "FFmpeg error " + std::to_string(error);
  return text;
}

}  // namespace animate::media::detail
