#pragma once
// A model's view of its weights: tensors by name across one or more files,
// with key prefixes removed, reports of missing and unexpected keys, and
// dtype conversion / device placement on access.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/io/tensor_source.h"

namespace animate::io {

// What a model expected and what the files held.
struct KeyReport {
  std::vector<std::string> missing;     // expected but absent
  std::vector<std::string> unexpected;  // present but not expected

  bool ok() const { return missing.empty(); }
  // "missing 3 tensors: a, b, c; unexpected 2: d, e" (lists truncated at `limit`).
  std::string summary(std::size_t limit = 20) const;
};

class CheckpointView {
 public:
  CheckpointView() = default;
  // Every source's keys lose the first prefix of `strip_prefixes` they start
  // with (e.g. "model.", "module.", "diffusion_model."). The same resulting
  // name in two sources is an error naming both.
  explicit CheckpointView(std::vector<std::shared_ptr<const TensorSource>> sources,
                          const std::vector<std::string>& strip_prefixes = {});

  // Only the keys that start with `prefix`, with the prefix removed
  // (e.g. "pipe.dit." or "dwpose_embedding.").
  CheckpointView select(const std::string& prefix) const;

  std::vector<std::string> names() const;
  bool contains(const std::string& name) const;
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // The tensor, converted to `dtype` (when given) and placed on `device`.
  // Throws ContentError naming the key and the files searched when absent.
  at::Tensor get(const std::string& name, std::optional<c10::ScalarType> dtype = std::nullopt,
                 c10::Device device = c10::Device(c10::kCPU)) const;
  // As get(), and checks the shape; the error names the key and both shapes.
  at::Tensor get_checked(const std::string& name, at::IntArrayRef shape,
                         std::optional<c10::ScalarType> dtype = std::nullopt,
                         c10::Device device = c10::Device(c10::kCPU)) const;

  KeyReport compare(const std::vector<std::string>& expected) const;
  // Throws ContentError with the report when any expected key is missing.
  void require(const std::vector<std::string>& expected, const std::string& what) const;

  std::string origin() const;

 private:
  struct Entry {
    std::shared_ptr<const TensorSource> source;
    std::string source_name;  // the key as stored in the file
  };
  std::map<std::string, Entry> entries_;
  std::vector<std::shared_ptr<const TensorSource>> sources_;
};

}  // namespace animate::io
