// The job runner on the tiny model: MP4 chunks streamed while decoding, the
// long-video (sliding window) path, cancellation at a step boundary.
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "media/ffmpeg_log.h"
#include "model/pipeline/animation_pipeline.h"
#include "test_support.h"
#include "worker/runner/job_runner.h"
#include "worker/runner/model_location.h"

namespace animate::worker {
namespace {

using testing::TempDir;

class JobRunnerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    media::set_ffmpeg_log_level(media::FfmpegLogLevel::kError);
    at::set_num_threads(2);
    ModelLocation location;
    location.model_root = testing::tiny_model_root();
    location.device = "cpu";
    pipeline_ = std::make_unique<pipeline::AnimationPipeline>(make_pipeline_config(location));
    inputs_dir_ = std::make_unique<TempDir>();
    const auto files = testing::write_samples(inputs_dir_->path(), 64, 25, 8);
    inputs_ = std::make_unique<JobInputs>(
        decode_input_files(files.reference_image, files.pose_video, files.reference_pose));
  }
  static void TearDownTestSuite() {
    pipeline_.reset();
    inputs_.reset();
    inputs_dir_.reset();
  }

  static RenderSettings tiny_settings(std::int64_t frames) {
    RenderSettings settings;
    settings.size = pipeline::VideoSize{32, 32};
    settings.frames = frames;
    settings.steps = 2;
    settings.x264_preset = "ultrafast";
    return settings;
  }

  static std::unique_ptr<pipeline::AnimationPipeline> pipeline_;
  static std::unique_ptr<TempDir> inputs_dir_;
  static std::unique_ptr<JobInputs> inputs_;
};

std::unique_ptr<pipeline::AnimationPipeline> JobRunnerTest::pipeline_;
std::unique_ptr<TempDir> JobRunnerTest::inputs_dir_;
std::unique_ptr<JobInputs> JobRunnerTest::inputs_;

struct Recorded {
  std::vector<RunProgress> progress;
  std::vector<media::ChunkKind> kinds;
  std::vector<RunStage> stage_at_chunk;  // the stage last reported when each chunk came
  std::vector<double> step_seconds;
  std::string bytes;
};

RunCallbacks recording(Recorded& r) {
  RunCallbacks callbacks;
  callbacks.progress = [&r](const RunProgress& p) { r.progress.push_back(p); };
  callbacks.chunk = [&r](std::string_view bytes, media::ChunkKind kind) {
    r.kinds.push_back(kind);
    r.stage_at_chunk.push_back(r.progress.empty() ? RunStage::kPreparingInputs
                                                  : r.progress.back().stage);
    r.bytes.append(bytes.data(), bytes.size());
  };
  callbacks.denoise_step = [&r](double s) { r.step_seconds.push_back(s); };
  return callbacks;
}

TEST_F(JobRunnerTest, StreamsAValidFragmentedMp4WhileDecoding) {
  Recorded r;
  const RunOutcome outcome = run_job(*pipeline_, *inputs_, tiny_settings(9), recording(r));

  EXPECT_EQ(outcome.frames, 9);
  EXPECT_EQ(outcome.width, 32);
  EXPECT_EQ(outcome.height, 32);
  EXPECT_DOUBLE_EQ(outcome.fps, 8.0);  // the pose video's rate
  EXPECT_EQ(outcome.windows, 1);
  EXPECT_EQ(outcome.bytes, r.bytes.size());
  ASSERT_FALSE(r.kinds.empty());
  EXPECT_EQ(r.kinds.front(), media::ChunkKind::kInit);
  // The init segment leaves as soon as the first frames are decoded, not at the end.
  EXPECT_EQ(r.stage_at_chunk.front(), RunStage::kDecoding);
  EXPECT_EQ(r.kinds.back(), media::ChunkKind::kTrailer);

  // One timing per denoise step of the single window.
  EXPECT_EQ(r.step_seconds.size(), 2U);
  for (double s : r.step_seconds) EXPECT_GT(s, 0.0);
  EXPECT_GT(outcome.times[RunStage::kEncodingConditions], 0.0);
  EXPECT_GT(outcome.times[RunStage::kDenoising], 0.0);
  EXPECT_GT(outcome.times[RunStage::kDecoding], 0.0);
  EXPECT_GT(outcome.times[RunStage::kEncodingVideo], 0.0);

  // Progress only moves forward and ends with the encoder flush.
  double last = 0.0;
  for (const auto& p : r.progress) {
    EXPECT_GE(p.fraction, last);
    last = p.fraction;
  }
  EXPECT_EQ(r.progress.back().stage, RunStage::kEncodingVideo);

  TempDir dir;
  testing::write_file(dir.path() / "out.mp4", r.bytes);
  const auto probed = testing::ffprobe(dir.path() / "out.mp4");
  EXPECT_TRUE(probed.ok) << probed.errors;
  EXPECT_EQ(probed.codec, "h264");
  EXPECT_EQ(probed.width, 32);
  EXPECT_EQ(probed.height, 32);
  EXPECT_EQ(probed.frames, 9);
  EXPECT_EQ(probed.frame_rate, "8/1");
}

TEST_F(JobRunnerTest, LongVideoRunsSlidingWindows) {
  RenderSettings settings = tiny_settings(25);  // 7 latent frames
  settings.context_size = 4;                    // stride 2 -> 3 windows
  settings.context_overlap = 2;
  settings.fps = 12.0;  // the output rate may differ from the pose video's
  Recorded r;
  const RunOutcome outcome = run_job(*pipeline_, *inputs_, settings, recording(r));
  EXPECT_EQ(outcome.windows, 3);
  EXPECT_EQ(outcome.frames, 25);
  int denoise_events = 0;
  for (const auto& p : r.progress) {
    if (p.stage != RunStage::kDenoising || p.step == 0) continue;
    ++denoise_events;
    EXPECT_EQ(p.total_windows, 3);
  }
  EXPECT_EQ(denoise_events, 2 * 3);
  EXPECT_EQ(r.step_seconds.size(), 6U);  // per step per window

  TempDir dir;
  testing::write_file(dir.path() / "long.mp4", r.bytes);
  const auto probed = testing::ffprobe(dir.path() / "long.mp4");
  EXPECT_TRUE(probed.ok) << probed.errors;
  EXPECT_EQ(probed.codec, "h264");
  EXPECT_EQ(probed.frames, 25);
  EXPECT_EQ(probed.frame_rate, "12/1");
}

TEST_F(JobRunnerTest, CancellationStopsAtTheNextStepBoundary) {
  RenderSettings settings = tiny_settings(5);
  settings.steps = 4;
  pipeline::CancellationToken token;
  Recorded r;
  RunCallbacks callbacks = recording(r);
  callbacks.progress = [&](const RunProgress& p) {
    r.progress.push_back(p);
    if (p.stage == RunStage::kDenoising && p.step == 2) token.request();
  };
  EXPECT_THROW(run_job(*pipeline_, *inputs_, settings, callbacks, &token), pipeline::Cancelled);
  std::int64_t last_step = 0;
  for (const auto& p : r.progress) {
    EXPECT_NE(p.stage, RunStage::kDecoding);
    if (p.stage == RunStage::kDenoising) last_step = p.step;
  }
  EXPECT_EQ(last_step, 2);
  EXPECT_TRUE(r.bytes.empty());  // no video was started

  // The pipeline stays usable after a cancelled job.
  Recorded again;
  EXPECT_EQ(run_job(*pipeline_, *inputs_, tiny_settings(1), recording(again)).frames, 1);
}

TEST_F(JobRunnerTest, BadRequestNamesTheProblem) {
  RenderSettings settings = tiny_settings(5);
  settings.size = pipeline::VideoSize{30, 32};  // not a multiple of 16
  Recorded r;
  try {
    run_job(*pipeline_, *inputs_, settings, recording(r));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("30"), std::string::npos) << error.what();
  }
  EXPECT_TRUE(r.bytes.empty());
}

TEST(OutputFps, SettingThenPoseVideoThenWanDefault) {
  RenderSettings settings;
  JobInputs inputs;
  EXPECT_DOUBLE_EQ(output_fps(settings, inputs), 16.0);
  inputs.pose_fps = 25.0;
  EXPECT_DOUBLE_EQ(output_fps(settings, inputs), 25.0);
  settings.fps = 10.0;
  EXPECT_DOUBLE_EQ(output_fps(settings, inputs), 10.0);
}

}  // namespace
}  // namespace animate::worker

namespace animate::worker {
namespace {

TEST(ModelLocationConfig, OneOfModelRootOrWeightsPlusCheckpoint) {
  const auto& root = testing::tiny_model_root();
  ModelLocation location;
  EXPECT_THROW(make_pipeline_config(location), std::invalid_argument);  // neither
  location.model_root = root;
  location.weights = root / "Wan2.1-I2V-14B-720P";
  EXPECT_THROW(make_pipeline_config(location), std::invalid_argument);  // both

  // The official layout: the Wan folder plus the checkpoint file.
  location.model_root.clear();
  location.unianimate = root / "checkpoints" / "UniAnimate-Wan2.1-14B-Lora-12000.safetensors";
  location.device = "cpu";
  const pipeline::PipelineConfig config = make_pipeline_config(location);
  EXPECT_EQ(config.files.unianimate, location.unianimate);
  EXPECT_TRUE(config.device.is_cpu());
  EXPECT_EQ(config.dtype, at::kFloat);

  location.weights.clear();  // --unianimate alone
  EXPECT_THROW(make_pipeline_config(location), std::invalid_argument);
  location.weights = root / "missing";
  EXPECT_THROW(make_pipeline_config(location), pipeline::ModelFilesError);

  location.weights = root / "Wan2.1-I2V-14B-720P";
  location.device = "tpu";
  EXPECT_THROW(make_pipeline_config(location), std::invalid_argument);
  if (!at::hasCUDA()) {
    location.device = "cuda";
    EXPECT_THROW(make_pipeline_config(location), std::invalid_argument);
  }
}

}  // namespace
}  // namespace animate::worker
