#include "png_writer.h"

#include <zlib.h>

#include <stdexcept>

namespace animate::loadgen {
namespace {

void put_u32(std::string& out, std::uint32_t value) {
  out.push_back(static_cast<char>(value >> 24));
  out.push_back(static_cast<char>(value >> 16));
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value));
}

void put_chunk(std::string& out, const char* type, const std::string& data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::string typed = std::string(type, 4) + data;
  out += typed;
  put_u32(out, static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(typed.data()),
                                                static_cast<uInt>(typed.size()))));
}

// zlib stream of stored (uncompressed) deflate blocks of at most 65535 bytes.
std::string zlib_stored(const std::string& raw) {
  std::string out = {0x78, 0x01};
  std::size_t at = 0;
  do {
    const std::size_t length = std::min<std::size_t>(65535, raw.size() - at);
    const bool last = at + length == raw.size();
    out.push_back(last ? 1 : 0);
    out.push_back(static_cast<char>(length & 0xff));
    out.push_back(static_cast<char>(length >> 8));
    out.push_back(static_cast<char>(~length & 0xff));
    out.push_back(static_cast<char>((~length >> 8) & 0xff));
    out.append(raw, at, length);
    at += length;
  } while (at < raw.size());
  put_u32(out, static_cast<std::uint32_t>(adler32(1, reinterpret_cast<const Bytef*>(raw.data()),
                                                  static_cast<uInt>(raw.size()))));
  return out;
}

}  // namespace

std::string encode_png_stored(int width, int height, const std::string& rgb) {
  if (width <= 0 || height <= 0 || rgb.size() != static_cast<std::size_t>(width) * height * 3) {
    throw std::invalid_argument("encode_png_stored: rgb must hold width * height * 3 bytes");
  }
  std::string out = "\x89PNG\r\n\x1a\n";
  std::string header;
  put_u32(header, static_cast<std::uint32_t>(width));
  put_u32(header, static_cast<std::uint32_t>(height));
  header += std::string{8, 2, 0, 0, 0};  // 8-bit, RGB, deflate, adaptive filters, no interlace
  put_chunk(out, "IHDR", header);
  std::string raw;
  const std::size_t row = static_cast<std::size_t>(width) * 3;
  raw.reserve((row + 1) * static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y) {
    raw.push_back(0);  // filter type None
    raw.append(rgb, static_cast<std::size_t>(y) * row, row);
  }
  put_chunk(out, "IDAT", zlib_stored(raw));
  put_chunk(out, "IEND", "");
  return out;
}

std::string noise_png(int width, int height, std::uint64_t seed) {
  std::string rgb(static_cast<std::size_t>(width) * height * 3, '\0');
  // splitmix64: fast, and every seed gives a different stream.
  std::uint64_t state = seed * 0x9e3779b97f4a7c15ULL + 1;
  for (std::size_t i = 0; i < rgb.size(); i += 8) {
    state += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (std::size_t b = 0; b < 8 && i + b < rgb.size(); ++b) {
      rgb[i + b] = static_cast<char>(z >> (8 * b));
    }
  }
  return encode_png_stored(width, height, rgb);
}

}  // namespace animate::loadgen
