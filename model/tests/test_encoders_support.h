#pragma once
// Helpers shared by the encoder tests: an in-memory tensor source and the
// location of the golden cases (tests that need them skip when absent).
#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "model/io/error.h"
#include "model/io/tensor_source.h"

namespace animate::test {

class MemorySource final : public io::TensorSource {
 public:
  explicit MemorySource(std::map<std::string, at::Tensor> tensors) : tensors_(std::move(tensors)) {}
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const auto& [name, tensor] : tensors_) out.push_back(name);
    return out;
  }
  bool contains(const std::string& name) const override { return tensors_.count(name) != 0; }
  at::Tensor tensor(const std::string& name) const override {
    const auto found = tensors_.find(name);
    if (found == tensors_.end()) throw io::ContentError("memory: no tensor '" + name + "'");
    return found->second;
  }
  std::string origin() const override { return "memory"; }

 private:
  std::map<std::string, at::Tensor> tensors_;
};

inline std::filesystem::path golden_dir() {
  if (const char* env = std::getenv("ANIMATE_GOLDEN_DIR")) return env;
  return ANIMATE_GOLDEN_DIR_DEFAULT;
}

}  // namespace animate::test
