#include "media/mp4_chunk.h"

namespace animate::media {

const char* to_string(ChunkKind kind) {
  switch (kind) {
    case ChunkKind::kInit: return "init";
    case ChunkKind::kFragment: return "fragment";
    case ChunkKind::kTrailer: return "trailer";
  }
  return "unknown";
}

}  // namespace animate::media
