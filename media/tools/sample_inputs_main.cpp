// animate-sample-inputs: writes the demo inputs (pose.mp4, reference_pose.png,
// reference.png) into a folder. Deterministic: the same flags give the same
// bytes.
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>

#include "media/ffmpeg_log.h"
#include "media/sample_inputs.h"

namespace {

int usage(const char* program) {
  std::cerr << "usage: " << program << " --out DIR [--size N] [--frames N] [--fps N]\n"
            << "  --size N    square frame size, even, 32..1024 (default 128)\n"
            << "  --frames N  pose frames (default 17)\n"
            << "  --fps N     pose video frame rate (default 8)\n";
  return 2;
}

int parse_int(const std::string& flag, const std::string& text) {
  std::size_t used = 0;
  const int value = std::stoi(text, &used);
  if (used != text.size()) throw std::invalid_argument(flag + " expects an integer, got " + text);
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path out;
  animate::media::SampleInputOptions options;
  // libx264 reports its statistics at info level; only errors matter here.
  animate::media::set_ffmpeg_log_level(animate::media::FfmpegLogLevel::kError);
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string flag = argv[i];
      if (flag == "--help" || flag == "-h") return usage(argv[0]);
      if (i + 1 >= argc) return usage(argv[0]);
      const std::string value = argv[++i];
      if (flag == "--out") {
        out = value;
      } else if (flag == "--size") {
        options.size = parse_int(flag, value);
      } else if (flag == "--frames") {
        options.frames = parse_int(flag, value);
      } else if (flag == "--fps") {
        options.fps = parse_int(flag, value);
      } else {
        std::cerr << "unknown flag " << flag << "\n";
        return usage(argv[0]);
      }
    }
    if (out.empty()) return usage(argv[0]);
    const auto files = animate::media::write_sample_inputs(out, options);
    for (const auto& path : {files.pose_video, files.reference_pose, files.reference_image}) {
      std::cout << path.string() << " (" << std::filesystem::file_size(path) << " bytes)\n";
    }
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "animate-sample-inputs: " << error.what() << "\n";
    return 1;
  }
}
