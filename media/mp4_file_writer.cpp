#include "media/mp4_file_writer.h"

#include <fstream>
#include <stdexcept>
#include <system_error>

#include "media/error.h"

namespace animate::media {
namespace {

[[noreturn]] void throw_write_failure(const std::filesystem::path& path) {
  throw MediaError(MediaErrorCode::kIoError, "cannot write '" + path.string() + "'");
}

}  // namespace

void write_mp4_file(const std::filesystem::path& path, const std::vector<Frame>& frames,
                    Mp4WriterOptions options) {
  if (frames.empty()) throw std::invalid_argument("write_mp4_file: no frames to write");
  if (options.width == 0 && options.height == 0) {
    options.width = frames.front().width;
    options.height = frames.front().height;
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) throw_write_failure(path);
  try {
    Mp4StreamWriter writer(options, [&](std::string_view bytes, ChunkKind) {
      file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!file) throw_write_failure(path);
    });
    for (const Frame& frame : frames) writer.write(frame);
    writer.finish();
    file.close();
    if (!file) throw_write_failure(path);
  } catch (...) {
    file.close();
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    throw;
  }
}

}  // namespace animate::media
