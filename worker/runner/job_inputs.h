#pragma once
// The decoded inputs of one job: the reference image, the driving pose frames
// (with their presentation rate) and the optional reference pose. Decoding
// goes through media/, so bad uploads fail with media::MediaError naming the
// input and the problem.
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "media/frame.h"
#include "media/limits.h"

namespace animate::worker {

struct JobInputs {
  media::Frame reference_image;
  std::vector<media::Frame> pose_frames;
  double pose_fps = 0.0;  // 0 = unknown
  // Absent: the first pose frame stands in (the pose the person is drawn in).
  std::optional<media::Frame> reference_pose;
};

struct InputDecodeOptions {
  // Resample the pose video to this rate (0 = keep its frames as they are).
  double pose_fps = 0.0;
  media::MediaLimits limits;
};

// From files (animate-render). `reference_pose` may be empty. Throws
// media::MediaError for bad inputs.
JobInputs decode_input_files(const std::filesystem::path& reference_image,
                             const std::filesystem::path& pose,
                             const std::filesystem::path& reference_pose,
                             const InputDecodeOptions& options = {});

// From bytes in memory (the worker's assets). `reference_pose` nullopt = none.
JobInputs decode_input_memory(std::string_view reference_image, std::string_view pose,
                              std::optional<std::string_view> reference_pose,
                              const InputDecodeOptions& options = {});

}  // namespace animate::worker
