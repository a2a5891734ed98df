#pragma once
// Pose sequences given as still images: a folder, or a ZIP of a folder. Files
// named *.png, *.jpg, *.jpeg, *.webp (any case) are frames, in natural name
// order (natural_order.h); other files, hidden files and macOS "__MACOSX/"
// entries are ignored; subfolders of a folder are not searched (inside a ZIP,
// paths are sorted as names). The frames are timed at
// options.image_sequence_fps and resampled like a video (frame_selection.h).
// Transparent pixels become black, the pose drawing background. Without a
// requested size all images must share the first one's size.
#include <filesystem>
#include <string_view>

#include "media/video_decoder.h"
#include "media/video_probe.h"

namespace animate::media {

// Throw MediaError like the video decoder; kInvalidData when there are no
// images or an image is corrupt (the message names the file or entry).
DecodedVideo decode_image_folder(const std::filesystem::path& folder,
                                 const VideoDecodeOptions& options = {});
DecodedVideo decode_image_zip_file(const std::filesystem::path& path,
                                   const VideoDecodeOptions& options = {});
DecodedVideo decode_image_zip_memory(std::string_view bytes,
                                     const VideoDecodeOptions& options = {});

// Validation without decoding pixels: lists the images, reads every image
// header (inflating ZIP entries), checks limits and equal sizes. Reports
// container "zip" or "image_folder", the first image's format as codec, its
// displayed size, the image count and image_sequence_fps timing.
VideoProbe probe_image_zip_memory(std::string_view bytes, const MediaLimits& limits = {},
                                  double image_sequence_fps = 16.0);
VideoProbe probe_image_folder(const std::filesystem::path& folder, const MediaLimits& limits = {},
                              double image_sequence_fps = 16.0);

// True for the file names taken as frames (see above).
bool is_pose_image_name(std::string_view name);

}  // namespace animate::media
