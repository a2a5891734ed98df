#include "media/mp4_box_splitter.h"

#include <cstring>

#include "media/error.h"

namespace animate::media::detail {
namespace {

std::uint64_t read_be(const std::string& bytes, std::size_t offset, int count) {
  std::uint64_t value = 0;
  for (int i = 0; i < count; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[offset + static_cast<std::size_t>(i)]);
  }
  return value;
}

}  // namespace

std::uint64_t Mp4BoxSplitter::complete_box_size(std::size_t offset) const {
  if (pending_.size() - offset < 8) return 0;
  std::uint64_t size = read_be(pending_, offset, 4);
  std::uint64_t header = 8;
  if (size == 1) {  // 64-bit "largesize" follows the type
    if (pending_.size() - offset < 16) return 0;
    size = read_be(pending_, offset + 8, 8);
    header = 16;
  }
  if (size < header) {
    // 0 ("to end of file") never appears in fragmented output; anything
    // else below the header size is a muxer bug.
    throw MediaError(MediaErrorCode::kEncoderError,
                     "MP4 muxer produced a box of invalid size " + std::to_string(size));
  }
  return size <= pending_.size() - offset ? size : 0;
}

void Mp4BoxSplitter::drain(const ChunkCallback& emit) {
  std::size_t offset = 0;
  std::size_t chunk_start = 0;
  while (true) {
    const std::uint64_t size = complete_box_size(offset);
    if (size == 0) break;
    const std::string type = pending_.substr(offset + 4, 4);
    offset += static_cast<std::size_t>(size);
    if (!init_done_ && type == "moov") {
      emit(std::string_view(pending_).substr(chunk_start, offset - chunk_start), ChunkKind::kInit);
      init_done_ = true;
      chunk_start = offset;
    } else if (init_done_ && type == "mdat") {
      emit(std::string_view(pending_).substr(chunk_start, offset - chunk_start),
           ChunkKind::kFragment);
      chunk_start = offset;
    }
  }
  pending_.erase(0, chunk_start);
}

void Mp4BoxSplitter::finish(const ChunkCallback& emit) {
  drain(emit);
  std::size_t offset = 0;
  while (offset < pending_.size()) {
    const std::uint64_t size = complete_box_size(offset);
    if (size == 0) {
      throw MediaError(MediaErrorCode::kEncoderError, "MP4 muxer stopped inside a box (" +
                                                          std::to_string(pending_.size() - offset) +
                                                          " bytes left over)");
    }
    offset += static_cast<std::size_t>(size);
  }
  if (!pending_.empty()) {
    emit(pending_, init_done_ ? ChunkKind::kTrailer : ChunkKind::kInit);
    pending_.clear();
  }
}

}  // namespace animate::media::detail
