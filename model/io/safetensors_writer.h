#pragma once
// Writes safetensors files (test fixtures, tiny checkpoints, probe outputs).
#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace animate::io {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// Writes `tensors` (any device/layout; made contiguous CPU copies as needed)
// with header keys sorted by name and `__metadata__` = {"format": "pt"} plus
// `metadata`. Writes to a temporary file and renames, so a reader never sees
// a half-written file. Throws on duplicate names or unsupported dtypes.
void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace animate::io
