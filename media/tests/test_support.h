#pragma once
// Helpers shared by the media tests: temporary folders, files, solid frames,
// in-memory MP4s from the stream writer, hand-built ZIPs and JPEG EXIF blocks,
// and running the ffmpeg/ffprobe command-line tools.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "media/frame.h"
#include "media/mp4_chunk.h"
#include "media/mp4_stream_writer.h"

namespace animate::media::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& bytes);

Frame solid_frame(int width, int height, std::uint8_t r, std::uint8_t g, std::uint8_t b);
// Frame k of a sequence with a distinct, codec-robust colour per k.
Frame indexed_frame(int width, int height, int k);
// The colour indexed_frame uses for k.
std::array<std::uint8_t, 3> indexed_colour(int k);
// Mean of one channel over the frame.
double mean_channel(const Frame& frame, int channel);

struct Chunk {
  std::string bytes;
  ChunkKind kind;
};
// Encodes frames with the stream writer; returns every chunk in order.
std::vector<Chunk> encode_chunks(const std::vector<Frame>& frames, Mp4WriterOptions options);
std::string concatenate(const std::vector<Chunk>& chunks);
std::string encode_mp4(const std::vector<Frame>& frames, Mp4WriterOptions options);

struct ZipItem {
  std::string name;
  std::string bytes;
  bool deflate = true;
};
std::string make_zip(const std::vector<ZipItem>& items);

// PNG/JPEG bytes of an RGB frame via OpenCV.
std::string encode_image(const Frame& frame, const std::string& extension);
// Inserts an APP1 EXIF block with the given orientation after the SOI marker.
std::string with_exif_orientation(const std::string& jpeg, int orientation, bool big_endian);

// Runs a shell command; returns its stdout and sets `status` (exit code).
std::string run_command(const std::string& command, int& status);
bool have_tool(const char* path);

}  // namespace animate::media::testing
