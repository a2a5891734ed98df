// End-to-end tests of the resident animation pipeline on the tiny model that
// animate-tiny-model writes (official folder layout, random weights).
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "model/pipeline/animation_pipeline.h"
#include "model/pipeline/reference_fit.h"
#include "model/tools/tiny_model/tiny_model.h"

namespace animate::pipeline {
namespace {

namespace fs = std::filesystem;

// A fresh directory under the temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::random_device device;
    path_ = fs::temp_directory_path() / ("animate_pipeline_test_" + std::to_string(device()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

at::Tensor random_image(std::vector<std::int64_t> shape, std::uint64_t seed) {
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::randint(0, 256, shape, generator, at::TensorOptions().dtype(at::kLong)).to(at::kByte);
}

AnimationRequest tiny_request(std::int64_t pose_frames = 5, std::uint64_t seed = 1) {
  AnimationRequest request;
  request.reference_image = random_image({48, 40, 3}, 11);  // not the video size: resized
  request.reference_pose = random_image({64, 64, 3}, 12);
  request.pose_frames = random_image({pose_frames, 64, 64, 3}, 13);
  request.size = {64, 64};
  request.steps = 3;
  request.seed = seed;
  return request;
}

class PipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    at::set_num_threads(2);
    dir_ = std::make_unique<TempDir>();
    tiny_model::write_tiny_model(dir_->path(), 7);
    pipeline_ = std::make_unique<AnimationPipeline>(PipelineConfig::from_model_root(dir_->path()));
  }
  static void TearDownTestSuite() {
    pipeline_.reset();
    dir_.reset();
  }

  static std::unique_ptr<TempDir> dir_;
  static std::unique_ptr<AnimationPipeline> pipeline_;
};

std::unique_ptr<TempDir> PipelineTest::dir_;
std::unique_ptr<AnimationPipeline> PipelineTest::pipeline_;

TEST_F(PipelineTest, LoadsTheTinyModelFromTheOfficialLayout) {
  const LoadedModelInfo& info = pipeline_->info();
  EXPECT_EQ(info.dit.dim, 48);
  EXPECT_EQ(info.vae.dim, 4);  // inferred from the weights
  EXPECT_EQ(info.vae.num_res_blocks, 1);
  EXPECT_EQ(info.clip.width, 80);
  EXPECT_EQ(info.clip.heads, 1);
  EXPECT_EQ(info.t5.dim, 32);
  EXPECT_EQ(info.lora_rank, 2);
  EXPECT_EQ(info.lora_merged, 20U);  // 10 per block, 2 blocks
}

TEST_F(PipelineTest, ShortVideoIsDeterministicPerSeed) {
  const AnimationResult first = pipeline_->run(tiny_request(5, 1));
  ASSERT_EQ(first.frames.sizes(), (at::IntArrayRef{5, 64, 64, 3}));
  EXPECT_EQ(first.frames.scalar_type(), at::kByte);
  EXPECT_EQ(first.num_frames, 5);
  EXPECT_EQ(first.latent_frames, 2);
  ASSERT_EQ(first.windows.size(), 1U);
  // Not a constant (saturated) picture.
  EXPECT_GT(first.frames.max().item<int>() - first.frames.min().item<int>(), 10);
  EXPECT_EQ(first.dit_calls, 6);  // 3 steps x 2 CFG branches
  EXPECT_GE(first.timings.total, first.timings.denoise);

  const AnimationResult again = pipeline_->run(tiny_request(5, 1));
  EXPECT_TRUE(at::equal(first.frames, again.frames));
  const AnimationResult other = pipeline_->run(tiny_request(5, 2));
  EXPECT_FALSE(at::equal(first.frames, other.frames));
  EXPECT_GT(pipeline_->prompt_cache_stats().hits, 0U);
}

TEST_F(PipelineTest, FramesAreStreamedInOrderAsDecoded) {
  std::vector<DecodedFrames> chunks;
  JobOptions options;
  options.frame_sink = [&](const DecodedFrames& chunk) { chunks.push_back(chunk); };
  options.keep_latents = true;
  const AnimationResult result = pipeline_->run(tiny_request(9), options);
  ASSERT_EQ(chunks.size(), 3U);  // latent frames 0, 1, 2 -> 1 + 4 + 4 frames
  std::int64_t next = 0;
  std::vector<at::Tensor> frames;
  for (const auto& chunk : chunks) {
    EXPECT_EQ(chunk.first_frame, next);
    EXPECT_EQ(chunk.video.size(2), chunk.frames.size(0));
    EXPECT_LE(chunk.video.abs().max().item<float>(), 1.0F);
    next += chunk.frames.size(0);
    frames.push_back(chunk.frames);
  }
  EXPECT_EQ(next, 9);
  EXPECT_TRUE(at::equal(at::cat(frames), result.frames));
  EXPECT_EQ(result.latents.sizes(), (at::IntArrayRef{1, 16, 3, 8, 8}));
}

TEST_F(PipelineTest, LongVideoUsesSeededSlidingWindows) {
  AnimationRequest request = tiny_request(25, 3);  // 7 latent frames
  request.context_size = 4;                        // scaled down: stride 2 -> 3 windows
  request.context_overlap = 2;
  request.steps = 2;
  request.size = {32, 32};
  std::vector<ProgressEvent> events;
  JobOptions options;
  options.progress = [&](const ProgressEvent& e) { events.push_back(e); };
  const AnimationResult result = pipeline_->run(request, options);
  ASSERT_EQ(result.windows.size(), 3U);
  EXPECT_EQ(result.windows.back(), (sampling::FrameWindow{3, 4, 5, 6}));
  EXPECT_EQ(result.frames.sizes(), (at::IntArrayRef{25, 32, 32, 3}));
  EXPECT_EQ(result.dit_calls, 2 * 3 * 2);
  std::int64_t denoise_events = 0;
  for (const auto& e : events) {
    if (e.stage == Stage::kDenoising && e.step > 0) {
      ++denoise_events;
      EXPECT_EQ(e.total_windows, 3);
    }
  }
  EXPECT_EQ(denoise_events, 2 * 3);
  // The warm-up latents come from the seed too: the same request repeats.
  const AnimationResult again = pipeline_->run(request);
  EXPECT_TRUE(at::equal(result.frames, again.frames));

  // UniPC keeps one solver history for the video and one per window's warm-up frames.
  request.sampler = SamplerKind::kUniPC;
  const AnimationResult unipc = pipeline_->run(request);
  EXPECT_EQ(unipc.frames.size(0), 25);
  EXPECT_FALSE(at::equal(unipc.frames, result.frames));
}

TEST_F(PipelineTest, ProgressEventsComeInStageOrder) {
  std::vector<ProgressEvent> events;
  JobOptions options;
  options.progress = [&](const ProgressEvent& e) { events.push_back(e); };
  pipeline_->run(tiny_request(9), options);
  std::vector<Stage> stages;
  for (const auto& e : events) {
    if (stages.empty() || stages.back() != e.stage) stages.push_back(e.stage);
  }
  EXPECT_EQ(stages,
            (std::vector<Stage>{Stage::kEncodingText, Stage::kEncodingImage, Stage::kEncodingPose,
                                Stage::kDenoising, Stage::kDecoding, Stage::kDone}));
  std::vector<std::int64_t> steps, decoded;
  double elapsed = 0.0;
  for (const auto& e : events) {
    EXPECT_GE(e.elapsed_seconds, elapsed);
    elapsed = e.elapsed_seconds;
    if (e.stage == Stage::kDenoising && e.step > 0) {
      steps.push_back(e.step);
      EXPECT_EQ(e.total_steps, 3);
      EXPECT_EQ(e.window, 1);
      EXPECT_EQ(e.total_windows, 1);
    }
    if (e.stage == Stage::kDecoding) decoded.push_back(e.frames_decoded);
  }
  EXPECT_EQ(steps, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(decoded, (std::vector<std::int64_t>{0, 1, 5, 9}));
  EXPECT_EQ(events.back().frames_decoded, 9);
  EXPECT_EQ(events.back().total_frames, 9);
}

TEST_F(PipelineTest, CancellationFromTheProgressCallbackStopsAtTheNextStepBoundary) {
  CancellationToken token;
  std::vector<ProgressEvent> events;
  std::int64_t frames_seen = 0;
  JobOptions options;
  options.cancel = &token;
  options.progress = [&](const ProgressEvent& e) {
    events.push_back(e);
    if (e.stage == Stage::kDenoising && e.step == 2) token.request();
  };
  options.frame_sink = [&](const DecodedFrames& chunk) { frames_seen += chunk.frames.size(0); };
  AnimationRequest request = tiny_request(5);
  request.steps = 5;
  EXPECT_THROW(pipeline_->run(request, options), Cancelled);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().stage, Stage::kDenoising);
  EXPECT_EQ(events.back().step, 2);  // nothing ran after the event that set the token
  EXPECT_EQ(frames_seen, 0);

  // A token set before the job: nothing runs at all.
  events.clear();
  EXPECT_THROW(pipeline_->run(request, options), Cancelled);
  EXPECT_TRUE(events.empty());

  // The pipeline stays usable.
  token.reset();
  options.progress = nullptr;
  EXPECT_EQ(pipeline_->run(request, options).frames.size(0), 5);
}

TEST_F(PipelineTest, FrameCountIsRoundedDownToFourKPlusOne) {
  EXPECT_EQ(resolved_frame_count(0, 7), 5);
  EXPECT_EQ(resolved_frame_count(0, 81), 81);
  EXPECT_EQ(resolved_frame_count(84, 81), 81);
  EXPECT_EQ(resolved_frame_count(4, 81), 1);
  EXPECT_EQ(resolved_frame_count(9, 3), 9);  // the last pose repeats

  AnimationRequest request = tiny_request(7);
  EXPECT_EQ(pipeline_->run(request).frames.size(0), 5);
  request.num_frames = 9;  // more than the 7 poses: the last pose is repeated
  request.steps = 1;
  EXPECT_EQ(pipeline_->run(request).frames.size(0), 9);
}

TEST_F(PipelineTest, SamplerOptionsRun) {
  AnimationRequest request = tiny_request(5);
  request.sampler = SamplerKind::kUniPC;
  request.steps = 4;
  request.pose_strength = 0.5;
  const AnimationResult unipc = pipeline_->run(request);
  EXPECT_EQ(unipc.frames.size(0), 5);

  request.sampler = SamplerKind::kFlowMatchEuler;
  request.cfg_scale = 1.0;           // no negative branch
  request.teacache_threshold = 1e9;  // skip every step but the first and last
  const AnimationResult cached = pipeline_->run(request);
  EXPECT_EQ(cached.dit_calls, 2);
  EXPECT_EQ(cached.dit_calls_skipped, 2);

  request.teacache_threshold = 0.0;
  request.fit = ReferenceFit::kCrop;
  EXPECT_EQ(pipeline_->run(request).frames.sizes(), (at::IntArrayRef{5, 64, 64, 3}));
  request.fit = ReferenceFit::kPad;
  EXPECT_EQ(pipeline_->run(request).frames.sizes(), (at::IntArrayRef{5, 64, 64, 3}));
}

TEST_F(PipelineTest, RejectsBadRequestsNamingTheField) {
  auto expect_invalid = [&](const AnimationRequest& request, const std::string& needle) {
    try {
      pipeline_->run(request);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  AnimationRequest request = tiny_request(5);
  request.size.width = 60;
  expect_invalid(request, "size.width must be a multiple of 16");
  request = tiny_request(5);
  request.pose_frames = at::zeros({0, 64, 64, 3}, at::kByte);
  expect_invalid(request, "pose_frames must hold at least 1 frame");
  request = tiny_request(5);
  request.reference_image = at::zeros({64, 64, 3}, at::kFloat);
  expect_invalid(request, "reference_image must be a uint8 RGB tensor");
  request = tiny_request(5);
  request.steps = 0;
  expect_invalid(request, "steps must be in [1, 1000]");
  request = tiny_request(5);
  request.context_overlap = 1;
  expect_invalid(request, "context_overlap");
  request = tiny_request(5);
  request.noise = at::zeros({1, 16, 3, 8, 8});
  expect_invalid(request, "noise must have shape [1, 16, 2, 8, 8]");
}

TEST(PipelineFilesTest, MissingWeightFileNamesTheFileAndTheLayout) {
  TempDir dir;
  tiny_model::write_tiny_model(dir.path(), 1);
  const fs::path wan = dir.path() / kWanFolderName;
  fs::remove(wan / "Wan2.1_VAE.safetensors");
  try {
    PipelineConfig::from_model_root(dir.path());
    ADD_FAILURE() << "no error for a missing VAE";
  } catch (const ModelFilesError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find((wan / "Wan2.1_VAE.pth").string()), std::string::npos) << message;
    EXPECT_NE(message.find("Wan2.1_VAE.safetensors"), std::string::npos) << message;
    EXPECT_NE(message.find("expected layout"), std::string::npos) << message;
    EXPECT_NE(message.find("google/umt5-xxl/spiece.model"), std::string::npos) << message;
  }
  tiny_model::write_tiny_model(dir.path(), 1);
  const fs::path shard = wan / "diffusion_pytorch_model-00002-of-00002.safetensors";
  fs::remove(shard);
  try {
    PipelineConfig::from_model_root(dir.path());
    ADD_FAILURE() << "no error for a missing DiT shard";
  } catch (const ModelFilesError& e) {
    EXPECT_NE(std::string(e.what()).find(shard.string()), std::string::npos) << e.what();
  }
  fs::remove_all(dir.path() / "checkpoints");
  EXPECT_THROW(PipelineConfig::from_model_root(dir.path()), ModelFilesError);
  EXPECT_THROW(PipelineConfig::from_model_root(dir.path() / "nowhere"), ModelFilesError);
}

TEST(ReferenceFitTest, CropAndPadKeepTheAspect) {
  // A 2:1 white image into a square: crop fills it, pad letterboxes it.
  const at::Tensor wide = at::full({16, 32, 3}, 255, at::kByte);
  const at::Tensor cropped =
      fit_image(wide, {16, 16}, ReferenceFit::kCrop, wan::PilFilter::kBicubic);
  EXPECT_EQ(cropped.min().item<int>(), 255);
  const at::Tensor padded = fit_image(wide, {16, 16}, ReferenceFit::kPad, wan::PilFilter::kBicubic);
  EXPECT_EQ(padded.sizes(), (at::IntArrayRef{16, 16, 3}));
  EXPECT_EQ(padded[0].max().item<int>(), 0);  // black bar on top
  EXPECT_EQ(padded[8].min().item<int>(), 255);
  EXPECT_EQ(padded[15].max().item<int>(), 0);
}

}  // namespace
}  // namespace animate::pipeline
