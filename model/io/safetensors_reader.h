#pragma once
// Memory-mapped, zero-copy reader for the safetensors format
// (8-byte little-endian header length, JSON header, raw little-endian data).
// The header is fully validated on open: length bounds, well-formed JSON,
// known dtypes, every byte range inside the data section, no overlaps, and
// byte size == element size x shape.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/io/dtype.h"
#include "model/io/mapped_file.h"
#include "model/io/tensor_source.h"

namespace animate::io {

struct TensorInfo {
  DType dtype;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;  // byte offsets relative to the data section
  std::uint64_t end = 0;
};

class SafetensorsFile final : public TensorSource {
 public:
  // Largest header accepted (the format's own limit is 100 MB).
  static constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

  static std::shared_ptr<SafetensorsFile> open(const std::string& path);

  std::vector<std::string> names() const override;
  bool contains(const std::string& name) const override;
  at::Tensor tensor(const std::string& name) const override;
  std::string origin() const override { return file_->path(); }

  const TensorInfo& info(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  std::size_t size() const { return tensors_.size(); }

 private:
  SafetensorsFile(std::shared_ptr<const MappedFile> file, std::uint64_t data_offset);

  std::shared_ptr<const MappedFile> file_;
  std::uint64_t data_offset_ = 0;
  std::map<std::string, TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace animate::io
