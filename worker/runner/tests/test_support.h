#pragma once
// Helpers shared by the worker tests: a temp dir, the tiny model (written
// once per process), tiny sample inputs and ffprobe's view of an MP4.
#include <filesystem>
#include <string>

#include "media/sample_inputs.h"

namespace animate::worker::testing {

// A fresh directory under the temp dir, removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The tiny random model (animate_tiny_model_lib), written on first use into
// a directory that lives until the process ends.
const std::filesystem::path& tiny_model_root();

// pose.mp4 (size x size, `frames` at `fps`), reference.png, reference_pose.png.
media::SampleInputFiles write_samples(const std::filesystem::path& dir, int size, int frames,
                                      int fps);

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& bytes);

// What `ffprobe -v error -show_streams -count_frames -of json` says about the
// first video stream. ok = ffprobe ran cleanly and found one.
struct ProbedVideo {
  bool ok = false;
  std::string errors;  // ffprobe's stderr
  std::string codec;
  int width = 0;
  int height = 0;
  int frames = 0;          // nb_read_frames (decoded, not the header's claim)
  std::string frame_rate;  // r_frame_rate, e.g. "8/1"
};
ProbedVideo ffprobe(const std::filesystem::path& video);

}  // namespace animate::worker::testing
