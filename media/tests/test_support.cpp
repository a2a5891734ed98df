#include "test_support.h"

#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <stdexcept>

namespace animate::media::testing {
namespace {

void put_le(std::string& out, std::uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

std::string raw_deflate(const std::string& bytes) {
  z_stream stream{};
  if (deflateInit2(&stream, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, bytes.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::runtime_error("deflate failed");
  return out;
}

struct PipeCloser {
  void operator()(FILE* pipe) const {
    if (pipe != nullptr) pclose(pipe);
  }
};

}  // namespace

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("animate-media-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

Frame solid_frame(int width, int height, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  Frame frame(width, height);
  for (std::size_t i = 0; i < frame.rgb.size(); i += 3) {
    frame.rgb[i] = r;
    frame.rgb[i + 1] = g;
    frame.rgb[i + 2] = b;
  }
  return frame;
}

std::array<std::uint8_t, 3> indexed_colour(int k) {
  // Red ramps with k; green/blue fixed so the index is read from red alone.
  return {static_cast<std::uint8_t>(20 + 12 * k), 90, 160};
}

Frame indexed_frame(int width, int height, int k) {
  const auto colour = indexed_colour(k);
  return solid_frame(width, height, colour[0], colour[1], colour[2]);
}

double mean_channel(const Frame& frame, int channel) {
  double sum = 0.0;
  for (std::size_t i = static_cast<std::size_t>(channel); i < frame.rgb.size(); i += 3) {
    sum += frame.rgb[i];
  }
  return sum / (static_cast<double>(frame.rgb.size()) / 3.0);
}

std::vector<Chunk> encode_chunks(const std::vector<Frame>& frames, Mp4WriterOptions options) {
  if (options.width == 0) {
    options.width = frames.front().width;
    options.height = frames.front().height;
  }
  std::vector<Chunk> chunks;
  Mp4StreamWriter writer(options, [&](std::string_view bytes, ChunkKind kind) {
    chunks.push_back({std::string(bytes), kind});
  });
  for (const Frame& frame : frames) writer.write(frame);
  writer.finish();
  return chunks;
}

std::string concatenate(const std::vector<Chunk>& chunks) {
  std::string all;
  for (const Chunk& chunk : chunks) all += chunk.bytes;
  return all;
}

std::string encode_mp4(const std::vector<Frame>& frames, Mp4WriterOptions options) {
  return concatenate(encode_chunks(frames, options));
}

std::string make_zip(const std::vector<ZipItem>& items) {
  std::string archive;
  std::string directory;
  for (const ZipItem& item : items) {
    const std::string data = item.deflate ? raw_deflate(item.bytes) : item.bytes;
    const auto crc =
        static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(item.bytes.data()),
                                         static_cast<uInt>(item.bytes.size())));
    const auto offset = static_cast<std::uint32_t>(archive.size());
    const std::uint32_t method = item.deflate ? 8 : 0;
    put_le(archive, 0x04034b50, 4);
    put_le(archive, 20, 2);  // version needed
    put_le(archive, 0, 2);   // flags
    put_le(archive, method, 2);
    put_le(archive, 0, 4);  // time, date
    put_le(archive, crc, 4);
    put_le(archive, static_cast<std::uint32_t>(data.size()), 4);
    put_le(archive, static_cast<std::uint32_t>(item.bytes.size()), 4);
    put_le(archive, static_cast<std::uint32_t>(item.name.size()), 2);
    put_le(archive, 0, 2);
    archive += item.name;
    archive += data;

    put_le(directory, 0x02014b50, 4);
    put_le(directory, 20, 2);  // made by
    put_le(directory, 20, 2);  // needed
    put_le(directory, 0, 2);
    put_le(directory, method, 2);
    put_le(directory, 0, 4);
    put_le(directory, crc, 4);
    put_le(directory, static_cast<std::uint32_t>(data.size()), 4);
    put_le(directory, static_cast<std::uint32_t>(item.bytes.size()), 4);
    put_le(directory, static_cast<std::uint32_t>(item.name.size()), 2);
    put_le(directory, 0, 2);  // extra
    put_le(directory, 0, 2);  // comment
    put_le(directory, 0, 2);  // disk
    put_le(directory, 0, 2);  // internal attributes
    put_le(directory, 0, 4);  // external attributes
    put_le(directory, offset, 4);
    directory += item.name;
  }
  const auto directory_offset = static_cast<std::uint32_t>(archive.size());
  archive += directory;
  put_le(archive, 0x06054b50, 4);
  put_le(archive, 0, 2);
  put_le(archive, 0, 2);
  put_le(archive, static_cast<std::uint32_t>(items.size()), 2);
  put_le(archive, static_cast<std::uint32_t>(items.size()), 2);
  put_le(archive, static_cast<std::uint32_t>(directory.size()), 4);
  put_le(archive, directory_offset, 4);
  put_le(archive, 0, 2);
  return archive;
}

std::string encode_image(const Frame& frame, const std::string& extension) {
  const cv::Mat rgb(frame.height, frame.width, CV_8UC3,
                    const_cast<std::uint8_t*>(frame.rgb.data()));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<unsigned char> bytes;
  std::vector<int> parameters;
  if (extension == ".jpg") parameters = {cv::IMWRITE_JPEG_QUALITY, 95};
  if (!cv::imencode(extension, bgr, bytes, parameters)) throw std::runtime_error("imencode failed");
  return std::string(bytes.begin(), bytes.end());
}

std::string with_exif_orientation(const std::string& jpeg, int orientation, bool big_endian) {
  // TIFF header + IFD0 with one entry: Orientation (0x0112), SHORT, count 1.
  std::string tiff;
  auto put = [&](std::uint32_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) {
      const int shift = big_endian ? 8 * (bytes - 1 - i) : 8 * i;
      tiff.push_back(static_cast<char>((value >> shift) & 0xFF));
    }
  };
  tiff += big_endian ? "MM" : "II";
  put(42, 2);
  put(8, 4);  // IFD0 offset
  put(1, 2);  // one entry
  put(0x0112, 2);
  put(3, 2);
  put(1, 4);
  put(static_cast<std::uint32_t>(orientation), 2);
  put(0, 2);  // value padding
  put(0, 4);  // no next IFD
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  const std::size_t length = payload.size() + 2;
  std::string app1 = "\xFF\xE1";
  app1.push_back(static_cast<char>(length >> 8));
  app1.push_back(static_cast<char>(length & 0xFF));
  app1 += payload;
  return jpeg.substr(0, 2) + app1 + jpeg.substr(2);
}

std::string run_command(const std::string& command, int& status) {
  std::unique_ptr<FILE, PipeCloser> pipe(popen(command.c_str(), "r"));
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  std::string output;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0) {
    output.append(buffer.data(), n);
  }
  const int raw = pclose(pipe.release());
  status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return output;
}

bool have_tool(const char* path) {
  return path != nullptr && path[0] != '\0' && access(path, X_OK) == 0;
}

}  // namespace animate::media::testing
