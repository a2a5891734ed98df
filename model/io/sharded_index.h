#pragma once
// A checkpoint split into several safetensors shards, described by a
// Hugging Face style `*.safetensors.index.json`:
//   {"metadata": {"total_size": N}, "weight_map": {tensor name: shard file}}
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/io/safetensors_reader.h"
#include "model/io/tensor_source.h"

namespace animate::io {

class ShardedSafetensors final : public TensorSource {
 public:
  // Opens the index and maps every shard it names (relative to the index's
  // folder). Validates that each shard exists, that each mapped tensor is in
  // its shard, and that no shard holds a tensor the index does not name.
  static std::shared_ptr<ShardedSafetensors> open(const std::string& index_path);

  std::vector<std::string> names() const override;
  bool contains(const std::string& name) const override;
  at::Tensor tensor(const std::string& name) const override;
  std::string origin() const override { return index_path_; }

  const SafetensorsFile& shard_of(const std::string& name) const;
  std::size_t shard_count() const { return shards_.size(); }

 private:
  std::string index_path_;
  std::map<std::string, std::shared_ptr<SafetensorsFile>> shards_;  // by file name
  std::map<std::string, const SafetensorsFile*> owner_;             // tensor -> its shard
};

}  // namespace animate::io
