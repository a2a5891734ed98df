#include "model/pipeline/progress.h"

namespace animate::pipeline {

const char* stage_name(Stage stage) {
  switch (stage) {
    case Stage::kEncodingText: return "encoding_text";
    case Stage::kEncodingImage: return "encoding_image";
    case Stage::kEncodingPose: return "encoding_pose";
    case Stage::kDenoising: return "denoising";
    case Stage::kDecoding: return "decoding";
    case Stage::kDone: return "done";
  }
  return "unknown";
}

}  // namespace animate::pipeline
