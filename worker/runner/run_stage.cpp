#include "worker/runner/run_stage.h"

namespace animate::worker {

const char* run_stage_name(RunStage stage) {
  switch (stage) {
    case RunStage::kPreparingInputs: return "preparing_inputs";
    case RunStage::kEncodingConditions: return "encoding_conditions";
    case RunStage::kDenoising: return "denoising";
    case RunStage::kDecoding: return "decoding";
    case RunStage::kEncodingVideo: return "encoding_video";
    case RunStage::kFinalizing: return "finalizing";
  }
  return "unknown";
}

double StageTimes::total() const {
  double sum = 0.0;
  for (double s : seconds) sum += s;
  return sum;
}

}  // namespace animate::worker
