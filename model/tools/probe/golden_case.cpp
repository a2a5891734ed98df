#include "model/tools/probe/golden_case.h"

#include <fstream>

#include "model/io/error.h"

namespace animate::probe {

GoldenCase GoldenCase::load(const std::filesystem::path& dir) {
  const auto case_path = dir / "case.json";
  std::ifstream in(case_path);
  if (!in) throw io::FormatError(io::describe(case_path.string(), "cannot open case description"));
  GoldenCase result;
  try {
    result.json_ = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw io::FormatError(
        io::describe(case_path.string(), std::string("invalid JSON: ") + e.what()));
  }
  for (const char* key : {"name", "component", "outputs"}) {
    if (!result.json_.contains(key)) {
      throw io::FormatError(io::describe(case_path.string(), std::string("missing '") + key + "'"));
    }
  }
  result.dir_ = dir;
  result.name_ = result.json_.at("name").get<std::string>();
  result.component_ = result.json_.at("component").get<std::string>();
  result.io_ = io::SafetensorsFile::open((dir / "io.safetensors").string());
  return result;
}

at::Tensor GoldenCase::input(const std::string& name) const {
  return io_->tensor(name);
}

bool GoldenCase::has_input(const std::string& name) const {
  return io_->contains(name);
}

at::Tensor GoldenCase::expected(const std::string& name) const {
  return io_->tensor("expected." + name);
}

bool GoldenCase::has_expected(const std::string& name) const {
  return io_->contains("expected." + name);
}

std::filesystem::path GoldenCase::weight_path(const std::string& file) const {
  return dir_ / file;
}

}  // namespace animate::probe
