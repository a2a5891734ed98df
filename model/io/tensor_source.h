#pragma once
// Anything that hands out named tensors: one safetensors file, a sharded
// safetensors checkpoint, a torch zip-pickle checkpoint.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace animate::io {

class TensorSource {
 public:
  virtual ~TensorSource() = default;

  // All tensor names, sorted.
  virtual std::vector<std::string> names() const = 0;
  virtual bool contains(const std::string& name) const = 0;
  // The tensor in its stored dtype on the CPU; zero-copy where the format
  // allows (the tensor keeps the file mapping alive). Throws ContentError
  // naming the source when `name` is absent.
  virtual at::Tensor tensor(const std::string& name) const = 0;
  // What to print in messages: the file path(s) behind this source.
  virtual std::string origin() const = 0;
};

}  // namespace animate::io
