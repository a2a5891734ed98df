// animate-render end to end (the CLI function the binary's main() calls) on
// the tiny model and generated sample inputs, checked with ffprobe; plus its
// argument handling and progress display.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "media/ffmpeg_log.h"
#include "test_support.h"
#include "worker/runner/progress_bar.h"
#include "worker/runner/render_command.h"

namespace animate::worker {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

struct CommandResult {
  int code = -1;
  std::string out;
  std::string err;
};

CommandResult run_render(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  CommandResult result;
  result.code = render_command(args, out, err, /*tty=*/false);
  result.out = out.str();
  result.err = err.str();
  return result;
}

class RenderCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    media::set_ffmpeg_log_level(media::FfmpegLogLevel::kError);
    files_ = testing::write_samples(dir_.path() / "inputs", 64, 17, 8);
  }

  std::vector<std::string> base_args(const fs::path& output) const {
    return {"--model-root",
            testing::tiny_model_root().string(),
            "--image",
            files_.reference_image.string(),
            "--pose",
            files_.pose_video.string(),
            "--ref-pose",
            files_.reference_pose.string(),
            "-o",
            output.string(),
            "--steps",
            "2",
            "--threads",
            "2",
            "--x264-preset",
            "ultrafast"};
  }

  TempDir dir_;
  media::SampleInputFiles files_;
};

// The "done when": a tiny render gives an MP4 ffprobe accepts, with
// the requested codec, size, frame count and rate.
TEST_F(RenderCommandTest, WritesAnMp4ThatFfprobeAccepts) {
  const fs::path output = dir_.path() / "out.mp4";
  std::vector<std::string> args = base_args(output);
  for (const char* extra : {"--width", "48", "--height", "32", "--frames", "9", "--seed", "3"}) {
    args.emplace_back(extra);
  }
  const CommandResult result = run_render(args);
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_TRUE(result.err.empty()) << result.err;
  EXPECT_FALSE(fs::exists(output.string() + ".partial"));

  const auto probed = testing::ffprobe(output);
  EXPECT_TRUE(probed.ok) << probed.errors;
  EXPECT_EQ(probed.codec, "h264");
  EXPECT_EQ(probed.width, 48);
  EXPECT_EQ(probed.height, 32);
  EXPECT_EQ(probed.frames, 9);
  EXPECT_EQ(probed.frame_rate, "8/1");

  // Plain progress lines (not a TTY) and the summary.
  EXPECT_NE(result.out.find("denoising step 2/2 window 1/1"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("decoding frames 9/9"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find('\r'), std::string::npos);
  for (const char* stage : {"model load", "preparing_inputs", "encoding_conditions", "denoising",
                            "decoding", "encoding_video", "peak RSS", "seed 3"}) {
    EXPECT_NE(result.out.find(stage), std::string::npos) << stage << " missing in\n" << result.out;
  }
}

TEST_F(RenderCommandTest, FpsFlagResamplesThePoseVideo) {
  const fs::path output = dir_.path() / "fps.mp4";
  std::vector<std::string> args = base_args(output);
  for (const char* extra : {"--width", "32", "--height", "32", "--fps", "16"}) {
    args.emplace_back(extra);
  }
  const CommandResult result = run_render(args);
  ASSERT_EQ(result.code, 0) << result.err;
  const auto probed = testing::ffprobe(output);
  EXPECT_TRUE(probed.ok) << probed.errors;
  EXPECT_EQ(probed.frame_rate, "16/1");
  // 17 frames at 8 fps last ~2.1 s: at 16 fps about twice the frames, rounded down to 4k+1.
  EXPECT_GT(probed.frames, 17);
  EXPECT_EQ(probed.frames % 4, 1);
}

TEST_F(RenderCommandTest, BadInputExitsWithOneAndAClearError) {
  const fs::path output = dir_.path() / "bad.mp4";
  {
    std::vector<std::string> args = base_args(output);
    args[3] = (dir_.path() / "missing.png").string();
    const CommandResult result = run_render(args);
    EXPECT_EQ(result.code, 1);
    EXPECT_NE(result.err.find("--image: no such file"), std::string::npos) << result.err;
  }
  {
    const fs::path broken = dir_.path() / "broken.mp4";
    testing::write_file(broken, "this is not a video at all");
    std::vector<std::string> args = base_args(output);
    args[5] = broken.string();
    const CommandResult result = run_render(args);
    EXPECT_EQ(result.code, 1);
    EXPECT_NE(result.err.find("animate-render: error:"), std::string::npos) << result.err;
  }
  {
    std::vector<std::string> args = base_args(output);
    args.emplace_back("--preset");
    args.emplace_back("1080p");
    const CommandResult result = run_render(args);
    EXPECT_EQ(result.code, 1);
    EXPECT_NE(result.err.find("--preset"), std::string::npos) << result.err;
  }
  {
    std::vector<std::string> args = base_args(output);
    args.emplace_back("--width");
    args.emplace_back("40");  // not a multiple of 16: the pipeline's check names it
    args.emplace_back("--height");
    args.emplace_back("32");
    const CommandResult result = run_render(args);
    EXPECT_EQ(result.code, 1);
    EXPECT_NE(result.err.find("40"), std::string::npos) << result.err;
  }
  EXPECT_FALSE(fs::exists(output));
  EXPECT_FALSE(fs::exists(output.string() + ".partial"));
}

TEST(RenderArgs, PresetsSizesAndConflicts) {
  TempDir dir;
  testing::write_file(dir.path() / "a.png", "x");
  const std::string file = (dir.path() / "a.png").string();
  const std::vector<std::string> base = {"--model-root", "m",  "--image", file,
                                         "--pose",       file, "-o",      "out.mp4"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  EXPECT_EQ(parse_render_args(base).settings.size.width, 480);
  const RenderOptions landscape = parse_render_args(with({"--preset", "720p-landscape"}));
  EXPECT_EQ(landscape.settings.size.width, 1280);
  EXPECT_EQ(landscape.settings.size.height, 720);
  const RenderOptions custom = parse_render_args(
      with({"--width=64", "--height", "96", "--sampler", "unipc", "--fit", "pad", "--cfg", "1"}));
  EXPECT_EQ(custom.settings.size.width, 64);
  EXPECT_EQ(custom.settings.size.height, 96);
  EXPECT_EQ(custom.settings.sampler, pipeline::SamplerKind::kUniPC);
  EXPECT_EQ(custom.settings.fit, pipeline::ReferenceFit::kPad);
  EXPECT_DOUBLE_EQ(custom.settings.cfg_scale, 1.0);
  EXPECT_THROW(parse_render_args(with({"--preset", "480p", "--width", "64", "--height", "64"})),
               UsageError);
  EXPECT_THROW(parse_render_args(with({"--width", "64"})), UsageError);
  EXPECT_THROW(parse_render_args(with({"--steps", "many"})), UsageError);
  EXPECT_THROW(parse_render_args(with({"--crf", "60"})), UsageError);
  EXPECT_THROW(parse_render_args(with({"--bogus"})), UsageError);
  EXPECT_THROW(parse_render_args({"--image", file, "--pose", file}), UsageError);  // no -o
  EXPECT_TRUE(parse_render_args({"--help"}).help);
}

TEST(ProgressBarText, ShowsStageStepWindowAndFrames) {
  RunProgress p;
  p.stage = RunStage::kDenoising;
  p.step = 3;
  p.total_steps = 50;
  p.window = 2;
  p.total_windows = 4;
  p.fraction = 0.5;
  p.elapsed_seconds = 12.25;
  EXPECT_EQ(ProgressBar::describe(p),
            "[############............]  50% denoising step 3/50 window 2/4 12.2s");
  p.stage = RunStage::kDecoding;
  p.frames_decoded = 5;
  p.total_frames = 81;
  EXPECT_NE(ProgressBar::describe(p).find("decoding frames 5/81"), std::string::npos);

  std::ostringstream tty;
  ProgressBar in_place(tty, true);
  in_place.update(p);
  in_place.finish();
  EXPECT_EQ(tty.str().front(), '\r');
  EXPECT_EQ(tty.str().back(), '\n');
}

}  // namespace
}  // namespace animate::worker
