#pragma once
// Opens a weight file by its format, whatever the caller was pointed at.
#include <memory>
#include <string>

#include "model/io/tensor_source.h"

namespace animate::io {

// Accepts a `.safetensors` file, a `*.safetensors.index.json` shard index, a
// torch zip-pickle (`.pth`, `.ckpt`, `.pt`, `.bin`; recognised by its zip
// signature, not its name) or a folder holding exactly one of: a shard
// index, a single `.safetensors` file. Errors name the path and say which
// layouts were looked for.
std::shared_ptr<const TensorSource> open_checkpoint(const std::string& path);

}  // namespace animate::io
