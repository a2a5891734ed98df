// Writes the MP4 chunks of a WatchJob stream into a file as they arrive.
// A chunk at offset 0 starts a new attempt (the worker was lost and the job
// restarted), so the file is truncated and written again from the start.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace animate::client {

class VideoFileSink {
 public:
  explicit VideoFileSink(std::filesystem::path path);

  // std::runtime_error on I/O failure or a gap (offset past the end).
  void write(std::uint64_t offset, const std::string& data);
  std::uint64_t size() const { return size_; }
  void close();
  const std::filesystem::path& path() const { return path_; }

 private:
  void reopen_truncated();

  std::filesystem::path path_;
  std::ofstream out_;
  std::uint64_t size_ = 0;
};

}  // namespace animate::client
