#include "worker/queue/warm_up.h"

#include <chrono>

#include "worker/runner/job_runner.h"

namespace animate::worker {

double warm_up(pipeline::AnimationPipeline& pipeline) {
  const auto start = std::chrono::steady_clock::now();
  constexpr int kSide = 64;
  JobInputs inputs;
  inputs.reference_image = media::Frame(kSide, kSide);
  inputs.pose_frames.emplace_back(kSide, kSide);
  inputs.pose_fps = 16.0;
  RenderSettings settings;
  settings.size = pipeline::VideoSize{kSide, kSide};
  settings.frames = 1;
  settings.steps = 1;
  settings.x264_preset = "ultrafast";
  run_job(pipeline, inputs, settings, RunCallbacks{});
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace animate::worker
