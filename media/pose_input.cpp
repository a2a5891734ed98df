#include "media/pose_input.h"

#include <cstdio>
#include <string>

#include "media/byte_source.h"
#include "media/image_sequence.h"
#include "media/zip_reader.h"

namespace animate::media {
namespace {

bool is_folder(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::is_directory(path, error);
}

// Reads the first bytes only, to look for the ZIP signature.
bool file_is_zip(const std::filesystem::path& path) {
  auto source = detail::file_source(path);
  std::uint8_t magic[4] = {};
  const long n = source->read(magic, sizeof(magic));
  return n == 4 && looks_like_zip(std::string_view(reinterpret_cast<const char*>(magic), 4));
}

}  // namespace

DecodedVideo decode_pose_file(const std::filesystem::path& path,
                              const VideoDecodeOptions& options) {
  if (is_folder(path)) return decode_image_folder(path, options);
  if (file_is_zip(path)) return decode_image_zip_file(path, options);
  return decode_video_file(path, options);
}

DecodedVideo decode_pose_memory(std::string_view bytes, const VideoDecodeOptions& options) {
  if (looks_like_zip(bytes)) return decode_image_zip_memory(bytes, options);
  return decode_video_memory(bytes, options);
}

VideoProbe probe_pose_file(const std::filesystem::path& path, const MediaLimits& limits,
                           double image_sequence_fps) {
  if (is_folder(path)) return probe_image_folder(path, limits, image_sequence_fps);
  if (file_is_zip(path)) {
    const std::string bytes = detail::read_file_bytes(path, limits.max_input_bytes, "pose zip");
    return probe_image_zip_memory(bytes, limits, image_sequence_fps);
  }
  return probe_video_file(path, limits);
}

VideoProbe probe_pose_memory(std::string_view bytes, const MediaLimits& limits,
                             double image_sequence_fps) {
  if (looks_like_zip(bytes)) return probe_image_zip_memory(bytes, limits, image_sequence_fps);
  return probe_video_memory(bytes, limits);
}

}  // namespace animate::media
