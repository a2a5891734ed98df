#pragma once
// H.264 (libx264, yuv420p) in fragmented MP4, produced incrementally: the init
// segment is delivered from the constructor, then one fragment per GOP of
// `frames_per_fragment` frames as soon as the encoder releases it, so a job can
// ship video while it is still generating. Output goes through our own
// AVIOContext, never to a file or URL.
//
//   Mp4StreamWriter writer(options, [&](std::string_view bytes, ChunkKind kind) {...});
//   for (...) writer.write(frame);
//   writer.finish();   // flushes the encoder, last fragment(s), trailer
//
// The muxer runs with movflags frag_keyframe+empty_moov+default_base_moof
// (the layout Media Source Extensions accept) and bit-exact flags, so the same
// frames and options give the same bytes.
#include <cstdint>
#include <memory>
#include <string>

#include "media/frame.h"
#include "media/mp4_chunk.h"

namespace animate::media {

struct FrameRate {
  int num = 16;  // Wan2.1's output rate
  int den = 1;
  double value() const { return static_cast<double>(num) / den; }
};

// yuv420p needs even sizes; libx264 refuses odd ones.
enum class OddSizePolicy {
  kPad,    // default: add one column/row repeating the edge pixels
  kError,  // std::invalid_argument from the constructor
};

struct Mp4WriterOptions {
  int width = 0;  // of the frames given to write(), required
  int height = 0;
  FrameRate fps;
  int crf = 18;                   // 0 (lossless) .. 51; 18 is visually lossless
  std::string preset = "medium";  // x264 preset, ultrafast .. placebo
  std::string tune;               // optional x264 tune (film, animation, zerolatency, ...)
  // Keyframe interval and fragment length: each fragment holds exactly one GOP.
  int frames_per_fragment = 16;
  OddSizePolicy odd_size = OddSizePolicy::kPad;
  int threads = 0;  // encoder threads; 0 = x264 decides
};

// std::invalid_argument naming the field (and the allowed range) when an
// option is out of range.
void validate_mp4_options(const Mp4WriterOptions& options);

class Mp4StreamWriter {
 public:
  // Opens the encoder and muxer and delivers the init chunk. Throws
  // std::invalid_argument for bad options, MediaError(kEncoderError) when
  // libx264 or the muxer fails. Exceptions from the callback propagate.
  Mp4StreamWriter(const Mp4WriterOptions& options, ChunkCallback on_chunk);
  ~Mp4StreamWriter();
  Mp4StreamWriter(Mp4StreamWriter&&) noexcept;
  Mp4StreamWriter& operator=(Mp4StreamWriter&&) noexcept;
  Mp4StreamWriter(const Mp4StreamWriter&) = delete;
  Mp4StreamWriter& operator=(const Mp4StreamWriter&) = delete;

  // Frames must have the configured size (std::invalid_argument otherwise).
  // May deliver fragments. std::logic_error after finish() or a failure.
  void write(const Frame& frame);
  void write(const FrameView& frame);
  // Flushes everything and delivers the remaining chunks; idempotent. A
  // writer destroyed without finish() drops what is buffered, silently.
  void finish();

  std::int64_t frames_written() const;
  std::uint64_t bytes_delivered() const;
  // The coded size (the frame size, padded to even when kPad applied).
  int encoded_width() const;
  int encoded_height() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace animate::media
