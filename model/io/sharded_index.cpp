#include "model/io/sharded_index.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/io/error.h"

namespace animate::io {

std::shared_ptr<ShardedSafetensors> ShardedSafetensors::open(const std::string& index_path) {
  std::ifstream in(index_path);
  if (!in) throw FormatError(describe(index_path, "cannot open shard index"));
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(
        describe(index_path, std::string("shard index is not valid JSON: ") + e.what()));
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    throw FormatError(describe(index_path, "shard index has no 'weight_map' object"));
  }
  const auto folder = std::filesystem::path(index_path).parent_path();
  auto result = std::make_shared<ShardedSafetensors>();
  result->index_path_ = index_path;

  for (const auto& [name, file_json] : index["weight_map"].items()) {
    if (!file_json.is_string()) {
      throw FormatError(describe(index_path, "weight_map entry '" + name + "' is not a file name"));
    }
    const auto file = file_json.get<std::string>();
    // Shards must sit beside the index: no absolute paths, no "..".
    const std::filesystem::path rel(file);
    if (rel.is_absolute() || rel.lexically_normal().string().rfind("..", 0) == 0) {
      throw FormatError(
          describe(index_path, "shard file '" + file + "' leaves the checkpoint folder"));
    }
    auto it = result->shards_.find(file);
    if (it == result->shards_.end()) {
      const auto shard_path = (folder / rel).string();
      if (!std::filesystem::exists(shard_path)) {
        throw FormatError(describe(index_path, "shard '" + file + "' named for tensor '" + name +
                                                   "' does not exist at " + shard_path));
      }
      it = result->shards_.emplace(file, SafetensorsFile::open(shard_path)).first;
    }
    if (!it->second->contains(name)) {
      throw FormatError(describe(index_path, "tensor '" + name + "' is mapped to shard '" + file +
                                                 "' which does not hold it"));
    }
    result->owner_[name] = it->second.get();
  }
  for (const auto& [file, shard] : result->shards_) {
    for (const auto& name : shard->names()) {
      auto owner = result->owner_.find(name);
      if (owner == result->owner_.end()) {
        throw FormatError(describe(index_path, "shard '" + file + "' holds tensor '" + name +
                                                   "' that the index does not name"));
      }
      if (owner->second != shard.get()) {
        throw FormatError(describe(index_path, "tensor '" + name + "' appears in shard '" + file +
                                                   "' and in another shard"));
      }
    }
  }
  return result;
}

std::vector<std::string> ShardedSafetensors::names() const {
  std::vector<std::string> result;
  result.reserve(owner_.size());
  for (const auto& entry : owner_) result.push_back(entry.first);
  return result;
}

bool ShardedSafetensors::contains(const std::string& name) const {
  return owner_.count(name) > 0;
}

const SafetensorsFile& ShardedSafetensors::shard_of(const std::string& name) const {
  auto it = owner_.find(name);
  if (it == owner_.end())
    throw ContentError(describe(index_path_, "no tensor named '" + name + "'"));
  return *it->second;
}

at::Tensor ShardedSafetensors::tensor(const std::string& name) const {
  return shard_of(name).tensor(name);
}

}  // namespace animate::io
