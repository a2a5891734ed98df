#pragma once
// One entry point for every accepted driving-pose input: a video file, a
// folder of images or a ZIP of images (told apart by what the path is and by
// the ZIP signature, never by the file name's extension).
#include <filesystem>
#include <string_view>

#include "media/video_decoder.h"
#include "media/video_probe.h"

namespace animate::media {

DecodedVideo decode_pose_file(const std::filesystem::path& path,
                              const VideoDecodeOptions& options = {});
DecodedVideo decode_pose_memory(std::string_view bytes, const VideoDecodeOptions& options = {});

// Upload validation for any pose input (see probe_video_* and probe_image_*).
VideoProbe probe_pose_file(const std::filesystem::path& path, const MediaLimits& limits = {},
                           double image_sequence_fps = 16.0);
VideoProbe probe_pose_memory(std::string_view bytes, const MediaLimits& limits = {},
                             double image_sequence_fps = 16.0);

}  // namespace animate::media
