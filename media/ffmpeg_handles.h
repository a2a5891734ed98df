#pragma once
// Internal: owning smart pointers for FFmpeg objects, so every early return
// and exception path frees them. Not part of the public API (no public header
// includes FFmpeg).
#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

namespace animate::media::detail {

struct InputFormatCloser {
  void operator()(AVFormatContext* context) const { avformat_close_input(&context); }
};
struct OutputFormatFreer {
  void operator()(AVFormatContext* context) const { avformat_free_context(context); }
};
struct CodecContextFreer {
  void operator()(AVCodecContext* context) const { avcodec_free_context(&context); }
};
struct FrameFreer {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct PacketFreer {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
struct SwsFreer {
  void operator()(SwsContext* context) const { sws_freeContext(context); }
};
// The AVIOContext's buffer may have been reallocated by FFmpeg, so it is freed
// through the context rather than through the pointer we allocated.
struct AvioFreer {
  void operator()(AVIOContext* context) const {
    if (context != nullptr) av_freep(&context->buffer);
    avio_context_free(&context);
  }
};
struct DictionaryFreer {
  void operator()(AVDictionary* dictionary) const { av_dict_free(&dictionary); }
};

using InputFormatPtr = std::unique_ptr<AVFormatContext, InputFormatCloser>;
using OutputFormatPtr = std::unique_ptr<AVFormatContext, OutputFormatFreer>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextFreer>;
using AvFramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using SwsPtr = std::unique_ptr<SwsContext, SwsFreer>;
using AvioPtr = std::unique_ptr<AVIOContext, AvioFreer>;

// Allocators that throw MediaError(kEncoderError) instead of returning null.
AvFramePtr make_frame();
PacketPtr make_packet();
CodecContextPtr make_codec_context(const AVCodec* codec);

// av_strerror as a std::string.
std::string av_error_text(int error);

// AVIO callbacks are declared with `uint8_t*` up to FFmpeg 6 and with
// `const uint8_t*` from libavformat 61 on.
#if LIBAVFORMAT_VERSION_MAJOR >= 61
using AvioWriteBuffer = const uint8_t*;
#else
using AvioWriteBuffer = uint8_t*;
#endif

}  // namespace animate::media::detail
