#pragma once
// One golden case folder: case.json, io.safetensors and weight files.
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "model/io/safetensors_reader.h"

namespace animate::probe {

class GoldenCase {
 public:
  // Reads dir/case.json and maps dir/io.safetensors. Throws on malformed input.
  static GoldenCase load(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }
  const std::string& name() const { return name_; }
  const std::string& component() const { return component_; }
  const nlohmann::json& json() const { return json_; }
  const nlohmann::json& config() const { return json_.at("config"); }
  const nlohmann::json& params() const { return json_.at("params"); }

  // An input tensor stored in io.safetensors under its own name.
  at::Tensor input(const std::string& name) const;
  bool has_input(const std::string& name) const;
  // An expected output ("expected.<name>"); used by the comparison, and by
  // runners only for shapes they cannot derive otherwise.
  at::Tensor expected(const std::string& name) const;
  bool has_expected(const std::string& name) const;
  // Path of a weight file named in case.json "weights".
  std::filesystem::path weight_path(const std::string& file) const;
  const io::SafetensorsFile& io() const { return *io_; }

 private:
  std::filesystem::path dir_;
  std::string name_;
  std::string component_;
  nlohmann::json json_;
  std::shared_ptr<io::SafetensorsFile> io_;
};

}  // namespace animate::probe
