#pragma once
// Internal: cuts the muxer's byte stream into chunks at top-level MP4 box
// boundaries (init = up to and including moov; fragment = everything up to and
// including the next complete mdat; trailer = what is left at the end). Doing
// this on the bytes, rather than trusting FFmpeg's write markers, guarantees
// that every chunk is a whole number of boxes a client can append as is.
#include <cstdint>
#include <string>
#include <string_view>

#include "media/mp4_chunk.h"

namespace animate::media::detail {

class Mp4BoxSplitter {
 public:
  void append(std::string_view bytes) { pending_.append(bytes); }
  // Emits every complete init/fragment chunk buffered so far.
  void drain(const ChunkCallback& emit);
  // At the end of the stream: drains, then emits the remaining whole boxes as
  // the trailer. MediaError(kEncoderError) if a box is incomplete.
  void finish(const ChunkCallback& emit);

 private:
  // Size of the complete box starting at `offset`, or 0 if not all there yet.
  std::uint64_t complete_box_size(std::size_t offset) const;

  std::string pending_;
  bool init_done_ = false;
};

}  // namespace animate::media::detail
