#pragma once
// Where the model comes from and where it runs, as both binaries accept it:
// --model-root DIR (the layout animate-tiny-model writes) or --weights DIR
// plus --unianimate CKPT (the official downloads), --device, --threads.
#include <filesystem>
#include <string>

#include "model/pipeline/pipeline_config.h"

namespace animate::worker {

struct ModelLocation {
  std::filesystem::path model_root;
  std::filesystem::path weights;     // the Wan2.1-I2V-14B-720P folder
  std::filesystem::path unianimate;  // the UniAnimate checkpoint file
  std::string device;                // "cuda", "cpu", "cuda:1"; empty = cuda if available
  int threads = 0;                   // intra-op CPU threads; 0 = LibTorch's default
};

// Throws std::invalid_argument when neither or both ways are given, or the
// device is unknown/unavailable; pipeline::ModelFilesError for missing files.
// The device decides the compute dtype: bfloat16 on CUDA (as the reference
// ran), float32 on the CPU. Sets LibTorch's thread count when threads > 0.
pipeline::PipelineConfig make_pipeline_config(const ModelLocation& location);

}  // namespace animate::worker
