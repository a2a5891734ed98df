#pragma once
// Convenience: a whole frame sequence to a fragmented MP4 file (the same bytes
// the stream writer would deliver).
#include <filesystem>
#include <vector>

#include "media/frame.h"
#include "media/mp4_stream_writer.h"

namespace animate::media {

// width/height left at 0 in `options` are taken from the first frame.
// std::invalid_argument for no frames or bad options; MediaError(kIoError)
// when the file cannot be written (a partial file is removed).
void write_mp4_file(const std::filesystem::path& path, const std::vector<Frame>& frames,
                    Mp4WriterOptions options = {});

}  // namespace animate::media
