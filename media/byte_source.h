#pragma once
// Internal: where FFmpeg reads an input from. Paths and memory buffers both go
// through our own AVIOContext, so a "path" is never interpreted as a URL or
// protocol (http:, concat:, pipe:) and demuxers cannot open further files.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace animate::media::detail {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Returns the number of bytes read, 0 at the end, -1 on a read error.
  virtual long read(std::uint8_t* buffer, std::size_t size) = 0;
  // Absolute position; false when out of range.
  virtual bool seek(std::uint64_t position) = 0;
  virtual std::uint64_t position() const = 0;
  virtual std::uint64_t size() const = 0;
  // For messages: the path, or "<memory>".
  virtual const std::string& name() const = 0;
  // A fresh source over the same bytes, positioned at 0 (for a second pass).
  virtual std::unique_ptr<ByteSource> reopen() const = 0;
};

// Borrows `bytes`; they must outlive the source.
std::unique_ptr<ByteSource> memory_source(std::string_view bytes);
// Throws MediaError(kIoError) naming the path when it cannot be opened.
std::unique_ptr<ByteSource> file_source(const std::filesystem::path& path);

// Reads a whole file into memory after checking its size against max_bytes
// (MediaError kLimitExceeded via check_input_bytes, kIoError when unreadable).
std::string read_file_bytes(const std::filesystem::path& path, std::uint64_t max_bytes,
                            std::string_view what);

}  // namespace animate::media::detail
