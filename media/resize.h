#pragma once
// How decoded frames are brought to a requested size. Video frames are scaled
// by swscale and images by OpenCV, with the matching filter below; the aspect
// ratio is only preserved when one side is left at 0 (the pipeline does its own
// cropping, so an exact size request is honoured as given).
#include "media/frame.h"

namespace animate::media {

enum class ScaleFilter {
  kBilinear,  // default: smooth and cheap; fine for pose drawings
  kBicubic,   // sharper; slight ringing on hard edges
  kArea,      // best for strong downscaling (averages source pixels)
};

struct FrameSize {
  int width = 0;
  int height = 0;
};

// requested 0x0: the source size; WxH: exactly that; Wx0 or 0xH: the other side
// follows the source aspect ratio (rounded, at least 1). std::invalid_argument
// for negative values, naming `field`.
FrameSize resolve_output_size(int source_width, int source_height, int requested_width,
                              int requested_height, const char* field);

// OpenCV resize of an RGB frame (INTER_LINEAR / INTER_CUBIC / INTER_AREA).
Frame resize_frame(const Frame& frame, FrameSize size, ScaleFilter filter);

}  // namespace animate::media
