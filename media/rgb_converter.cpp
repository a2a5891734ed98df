#include "media/rgb_converter.h"

#include <cstring>

#include "media/error.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace animate::media::detail {
namespace {

int sws_flags_for(ScaleFilter filter) {
  int flags = SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT;
  switch (filter) {
    case ScaleFilter::kBilinear: return flags | SWS_BILINEAR;
    case ScaleFilter::kBicubic: return flags | SWS_BICUBIC;
    case ScaleFilter::kArea: return flags | SWS_AREA;
  }
  return flags | SWS_BILINEAR;
}

// The deprecated "J" formats are full-range YUV; swscale wants the plain
// format plus an explicit range (and warns otherwise).
AVPixelFormat without_jpeg_range(AVPixelFormat format, bool& full_range) {
  switch (format) {
    case AV_PIX_FMT_YUVJ420P: full_range = true; return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: full_range = true; return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: full_range = true; return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P: full_range = true; return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P: full_range = true; return AV_PIX_FMT_YUV411P;
    default: return format;
  }
}

}  // namespace

RgbConverter::RgbConverter(FrameSize output, ScaleFilter filter)
    : output_(output), flags_(sws_flags_for(filter)), rgb_(make_frame()) {
  rgb_->format = AV_PIX_FMT_RGB24;
  rgb_->width = output.width;
  rgb_->height = output.height;
  if (av_frame_get_buffer(rgb_.get(), 0) < 0) {
    throw MediaError(MediaErrorCode::kEncoderError, "out of memory: RGB frame buffer");
  }
}

Frame RgbConverter::convert(const AVFrame& frame) {
  bool full_range = frame.color_range == AVCOL_RANGE_JPEG;
  const AVPixelFormat source_format =
      without_jpeg_range(static_cast<AVPixelFormat>(frame.format), full_range);
  // Reuses the context while the input geometry stays the same; a mid-stream
  // resolution change gets a new one.
  SwsContext* context =
      sws_getCachedContext(sws_.release(), frame.width, frame.height, source_format, output_.width,
                           output_.height, AV_PIX_FMT_RGB24, flags_, nullptr, nullptr, nullptr);
  sws_.reset(context);
  if (!sws_) {
    const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame.format));
    throw MediaError(
        MediaErrorCode::kUnsupportedFormat,
        std::string("cannot convert pixel format '") + (name ? name : "unknown") + "' to RGB");
  }
  // Unspecified matrices fall back to BT.601, as swscale and players do. For
  // RGB sources the call is a harmless no-op.
  const int matrix = frame.colorspace == AVCOL_SPC_UNSPECIFIED ? SWS_CS_DEFAULT : frame.colorspace;
  const int* coefficients = sws_getCoefficients(matrix);
  sws_setColorspaceDetails(sws_.get(), coefficients, full_range ? 1 : 0,
                           sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
  if (av_frame_make_writable(rgb_.get()) < 0) {
    throw MediaError(MediaErrorCode::kEncoderError, "out of memory: RGB frame buffer");
  }
  sws_scale(sws_.get(), frame.data, frame.linesize, 0, frame.height, rgb_->data, rgb_->linesize);

  Frame out(output_.width, output_.height);
  for (int y = 0; y < output_.height; ++y) {
    std::memcpy(out.pixel(0, y), rgb_->data[0] + static_cast<std::ptrdiff_t>(y) * rgb_->linesize[0],
                out.row_bytes());
  }
  return out;
}

}  // namespace animate::media::detail
