#include "test_support.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "media/ffmpeg_log.h"
#include "model/tools/tiny_model/tiny_model.h"

namespace animate::worker::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device device;
  path_ = fs::temp_directory_path() / ("animate_worker_test_" + std::to_string(device()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

const fs::path& tiny_model_root() {
  static const TempDir dir;
  static const fs::path root = tiny_model::write_tiny_model(dir.path() / "model", 7);
  return root;
}

media::SampleInputFiles write_samples(const fs::path& dir, int size, int frames, int fps) {
  // x264 reports its statistics at info level; tests only want errors.
  media::set_ffmpeg_log_level(media::FfmpegLogLevel::kError);
  media::SampleInputOptions options;
  options.size = size;
  options.frames = frames;
  options.fps = fps;
  return media::write_sample_inputs(dir, options);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

ProbedVideo ffprobe(const fs::path& video) {
  ProbedVideo probed;
  const fs::path errors = video.string() + ".ffprobe-errors";
  const std::string command = std::string(ANIMATE_FFPROBE_PATH) +
                              " -v error -show_streams -count_frames -of json '" + video.string() +
                              "' 2>'" + errors.string() + "'";
  struct PipeCloser {
    void operator()(FILE* pipe) const { pclose(pipe); }
  };
  std::string json;
  {
    std::unique_ptr<FILE, PipeCloser> pipe(popen(command.c_str(), "r"));
    if (!pipe) return probed;
    std::array<char, 4096> buffer;
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0)
      json.append(buffer.data(), n);
  }
  probed.errors = read_file(errors);
  fs::remove(errors);
  const auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded() || !parsed.contains("streams")) return probed;
  for (const auto& stream : parsed["streams"]) {
    if (stream.value("codec_type", "") != "video") continue;
    probed.codec = stream.value("codec_name", "");
    probed.width = stream.value("width", 0);
    probed.height = stream.value("height", 0);
    probed.frames = std::stoi(stream.value("nb_read_frames", "0"));
    probed.frame_rate = stream.value("r_frame_rate", "");
    probed.ok = probed.errors.empty();
    break;
  }
  return probed;
}

}  // namespace animate::worker::testing
