#include "model/io/open_checkpoint.h"

#include <filesystem>
#include <fstream>
#include <vector>

#include "model/io/error.h"
#include "model/io/safetensors_reader.h"
#include "model/io/sharded_index.h"
#include "model/io/torch_checkpoint.h"

namespace animate::io {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool has_zip_signature(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

}  // namespace

std::shared_ptr<const TensorSource> open_checkpoint(const std::string& path) {
  namespace fs = std::filesystem;
  if (fs::is_directory(path)) {
    std::vector<fs::path> indexes;
    std::vector<fs::path> singles;
    for (const auto& entry : fs::directory_iterator(path)) {
      const auto name = entry.path().filename().string();
      if (ends_with(name, ".safetensors.index.json")) indexes.push_back(entry.path());
      if (ends_with(name, ".safetensors")) singles.push_back(entry.path());
    }
    if (indexes.size() == 1) return ShardedSafetensors::open(indexes.front().string());
    if (indexes.empty() && singles.size() == 1)
      return SafetensorsFile::open(singles.front().string());
    throw FormatError(describe(path,
                               "folder must hold one '*.safetensors.index.json' (sharded) or "
                               "one '*.safetensors' file; found " +
                                   std::to_string(indexes.size()) + " index file(s) and " +
                                   std::to_string(singles.size()) + " safetensors file(s)"));
  }
  if (!fs::exists(path)) throw FormatError(describe(path, "no such file or folder"));
  if (ends_with(path, ".index.json")) return ShardedSafetensors::open(path);
  if (has_zip_signature(path)) return TorchCheckpoint::open(path);
  return SafetensorsFile::open(path);
}

}  // namespace animate::io
