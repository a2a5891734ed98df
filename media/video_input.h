#pragma once
// Internal: an opened video container (demuxer over a ByteSource through our
// own AVIOContext) with its best video stream chosen. Shared by probe and
// decode so both accept and reject exactly the same inputs.
#include <memory>
#include <string>
#include <string_view>

#include "media/byte_source.h"
#include "media/ffmpeg_handles.h"
#include "media/limits.h"

namespace animate::media::detail {

struct VideoInput {
  // Declaration order is destruction order reversed: the demuxer is closed
  // before the AVIOContext it reads through, which goes before the source.
  std::unique_ptr<ByteSource> source;
  AvioPtr avio;
  InputFormatPtr format;
  AVStream* stream = nullptr;  // the chosen video stream (owned by `format`)
  const AVCodec* decoder = nullptr;
  std::string what;  // e.g. "pose video '<memory>'" for messages
};

// Checks max_input_bytes, opens the container, reads stream info and picks the
// video stream. Throws MediaError: kUnsupportedFormat when FFmpeg does not
// recognise the bytes or there is no decodable video stream, kInvalidData when
// a recognised container is corrupt.
VideoInput open_video_input(std::unique_ptr<ByteSource> source, const MediaLimits& limits,
                            std::string_view what);

// Rotation from the stream's display matrix, in degrees counterclockwise
// rounded to 0/90/180/270 (ffprobe's "rotation", normalised).
int display_rotation(const AVStream& stream);

// The stream's average frame rate, else its real base rate, else 0.
double nominal_fps(const AVStream& stream);

}  // namespace animate::media::detail
