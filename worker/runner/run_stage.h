#pragma once
// The stages of one job as the service reports them (animate.v1.Stage, the
// `stage` label of animate_stage_duration_seconds). The pipeline's own finer
// stages (text, image, pose encoders) fold into kEncodingConditions.
#include <array>
#include <cstddef>

namespace animate::worker {

enum class RunStage {
  kPreparingInputs,
  kEncodingConditions,
  kDenoising,
  kDecoding,
  kEncodingVideo,
  kFinalizing,
};

inline constexpr std::size_t kRunStageCount = 6;

// "preparing_inputs", "encoding_conditions", ... (the metric label values).
const char* run_stage_name(RunStage stage);

// Wall-clock seconds spent in each stage.
struct StageTimes {
  std::array<double, kRunStageCount> seconds{};

  double& operator[](RunStage stage) { return seconds[static_cast<std::size_t>(stage)]; }
  double operator[](RunStage stage) const { return seconds[static_cast<std::size_t>(stage)]; }
  double total() const;
};

}  // namespace animate::worker
