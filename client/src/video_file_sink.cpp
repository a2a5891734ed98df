#include "video_file_sink.h"

#include <algorithm>
#include <stdexcept>

namespace animate::client {

VideoFileSink::VideoFileSink(std::filesystem::path path) : path_(std::move(path)) {
  reopen_truncated();
}

void VideoFileSink::reopen_truncated() {
  if (out_.is_open()) out_.close();
  out_.open(path_, std::ios::binary | std::ios::trunc);
  if (!out_) throw std::runtime_error("cannot write " + path_.string());
  size_ = 0;
}

void VideoFileSink::write(std::uint64_t offset, const std::string& data) {
  if (offset == 0 && size_ > 0) reopen_truncated();
  if (offset > size_) {
    throw std::runtime_error("video chunk at offset " + std::to_string(offset) +
                             " leaves a gap after " + std::to_string(size_) + " bytes");
  }
  // offset < size_ only when a replay repeats bytes we already have: they are
  // identical, so writing them again in place is harmless.
  out_.seekp(static_cast<std::streamoff>(offset));
  out_.write(data.data(), static_cast<std::streamsize>(data.size()));
  out_.flush();  // readers (players) may follow the file while it grows
  if (!out_) throw std::runtime_error("cannot write " + path_.string());
  size_ = std::max<std::uint64_t>(size_, offset + data.size());
}

void VideoFileSink::close() {
  if (out_.is_open()) out_.close();
}

}  // namespace animate::client
