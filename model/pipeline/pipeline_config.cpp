#include "model/pipeline/pipeline_config.h"

namespace animate::pipeline {

PipelineConfig PipelineConfig::from_official_folder(
    const std::filesystem::path& wan_dir, const std::filesystem::path& unianimate_checkpoint) {
  PipelineConfig config;
  config.files = locate_model_files(wan_dir, unianimate_checkpoint);
  return config;
}

PipelineConfig PipelineConfig::from_model_root(const std::filesystem::path& model_root) {
  PipelineConfig config;
  config.files = locate_model_files(model_root);
  return config;
}

}  // namespace animate::pipeline
