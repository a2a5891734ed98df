#pragma once
// A private (copy-on-write) memory mapping of a whole file: the file is never
// modified, and a tensor that is accidentally written in place gets private
// pages instead of a segmentation fault. Tensors handed out by the
// checkpoint readers point into the mapping and keep it alive through a
// shared_ptr, so opening a checkpoint never reads the whole file.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace animate::io {

class MappedFile {
 public:
  // Maps `path` read-only. Throws FormatError naming the path on failure.
  static std::shared_ptr<const MappedFile> open(const std::string& path);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, const std::uint8_t* data, std::size_t size);

  std::string path_;
  const std::uint8_t* data_ = nullptr;  // owned mapping, released in the destructor
  std::size_t size_ = 0;
};

}  // namespace animate::io
