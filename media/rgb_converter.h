#pragma once
// Internal: converts decoded frames of any pixel format and size to RGB24 at a
// fixed output size with swscale, honouring the frame's colour matrix
// (BT.601/709/...) and range (limited/full) so colours match players.
#include "media/ffmpeg_handles.h"
#include "media/frame.h"
#include "media/resize.h"

namespace animate::media::detail {

class RgbConverter {
 public:
  RgbConverter(FrameSize output, ScaleFilter filter);
  Frame convert(const AVFrame& frame);

 private:
  FrameSize output_;
  int flags_;
  SwsPtr sws_;
  AvFramePtr rgb_;  // aligned scratch target (swscale's SIMD paths want alignment)
};

}  // namespace animate::media::detail
