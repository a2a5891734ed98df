#pragma once
// What a streamed fragmented MP4 is made of, as handed to the caller.
#include <functional>
#include <string_view>

namespace animate::media {

enum class ChunkKind {
  kInit,      // ftyp + moov: codec configuration, no samples; always first
  kFragment,  // [styp/sidx...] moof + mdat: one GOP of frames, playable on its own
  kTrailer,   // boxes after the last fragment (FFmpeg writes an mfra index)
};

const char* to_string(ChunkKind kind);

// Receives each chunk once; the bytes are only valid during the call.
// Concatenating all chunks in order gives a valid MP4 file.
using ChunkCallback = std::function<void(std::string_view bytes, ChunkKind kind)>;

}  // namespace animate::media
