#pragma once
// Tiny deterministic demo inputs: a stick-figure pose video drawn like DWPose
// output (coloured limbs and joints on black), its first pose as a PNG, and a
// simple cartoon person in that first pose as the reference image. Same
// options, same bytes, so the files can live in the repository.
#include <filesystem>
#include <vector>

#include "media/frame.h"

namespace animate::media {

struct SampleInputOptions {
  int size = 128;   // square frames; even, >= 32
  int frames = 17;  // 4k+1 frame counts suit Wan's temporal VAE
  int fps = 8;      // the video shows one full movement cycle
};

// std::invalid_argument naming the field for bad options.
std::vector<Frame> draw_pose_sequence(const SampleInputOptions& options = {});
Frame draw_reference_image(const SampleInputOptions& options = {});

struct SampleInputFiles {
  std::filesystem::path pose_video;       // pose.mp4 (H.264, fragmented MP4)
  std::filesystem::path reference_pose;   // reference_pose.png (first pose)
  std::filesystem::path reference_image;  // reference.png
};

// Creates `folder` if needed and writes the three files into it.
SampleInputFiles write_sample_inputs(const std::filesystem::path& folder,
                                     const SampleInputOptions& options = {});

// PNG bytes of an RGB frame (maximum compression), used for the samples.
std::vector<unsigned char> encode_png(const Frame& frame);

}  // namespace animate::media
