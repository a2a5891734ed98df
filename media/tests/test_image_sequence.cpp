#include <gtest/gtest.h>

#include "media/error.h"
#include "media/image_sequence.h"
#include "media/pose_input.h"
#include "test_support.h"

namespace animate::media {
namespace {

using testing::encode_image;
using testing::indexed_colour;
using testing::indexed_frame;

int index_of(const Frame& frame) {
  const double red = testing::mean_channel(frame, 0);
  int best = 0;
  for (int k = 1; k < 20; ++k) {
    if (std::abs(red - indexed_colour(k)[0]) < std::abs(red - indexed_colour(best)[0])) best = k;
  }
  return best;
}

std::vector<int> indices_of(const DecodedVideo& video) {
  std::vector<int> indices;
  for (const Frame& frame : video.frames) indices.push_back(index_of(frame));
  return indices;
}

struct Failure {
  MediaErrorCode code;
  std::string message;
};

Failure failure_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const MediaError& error) {
    return {error.code(), error.what()};
  }
  ADD_FAILURE() << "no MediaError";
  return {MediaErrorCode::kEncoderError, ""};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Frames k = 0..4 under names whose natural order differs from byte order.
std::string pose_zip() {
  return testing::make_zip({
      {"poses/", "", false},
      {"poses/pose10.png", encode_image(indexed_frame(24, 16, 4), ".png"), true},
      {"poses/pose2.png", encode_image(indexed_frame(24, 16, 1), ".png"), false},
      {"poses/pose1.png", encode_image(indexed_frame(24, 16, 0), ".png"), true},
      {"poses/pose3.jpg", encode_image(indexed_frame(24, 16, 2), ".jpg"), true},
      {"poses/pose4.webp", encode_image(indexed_frame(24, 16, 3), ".webp"), false},
      {"poses/readme.txt", "not an image", true},
      {"__MACOSX/poses/._pose1.png", "resource fork", false},
  });
}

TEST(ImageSequence, ZipFramesComeInNaturalOrder) {
  const DecodedVideo video = decode_image_zip_memory(pose_zip());
  EXPECT_EQ(indices_of(video), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_DOUBLE_EQ(video.fps, 16.0);
  EXPECT_EQ(video.frames[0].width, 24);
  EXPECT_EQ(video.frames[0].height, 16);
  EXPECT_EQ(video.probe.container, "zip");
  EXPECT_EQ(video.probe.codec, "png");
}

TEST(ImageSequence, ZipResamplesAndResizes) {
  VideoDecodeOptions options;
  options.frame_count = 10;
  options.width = 12;
  options.height = 8;
  options.filter = ScaleFilter::kArea;
  const DecodedVideo video = decode_image_zip_memory(pose_zip(), options);
  EXPECT_EQ(indices_of(video), (std::vector<int>{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}));
  EXPECT_EQ(video.frames[0].width, 12);
  EXPECT_EQ(video.frames[0].height, 8);
  EXPECT_DOUBLE_EQ(video.fps, 32.0);  // 10 frames over 5 images at 16 fps
}

TEST(ImageSequence, ProbesZipsWithoutDecoding) {
  const std::string zip = pose_zip();
  const VideoProbe probe = probe_image_zip_memory(zip, {}, 8.0);
  EXPECT_EQ(probe.container, "zip");
  EXPECT_EQ(probe.codec, "png");
  EXPECT_EQ(probe.width, 24);
  EXPECT_EQ(probe.height, 16);
  EXPECT_EQ(probe.frame_count, 5);
  EXPECT_DOUBLE_EQ(probe.duration_s, 5.0 / 8.0);
  EXPECT_EQ(probe_pose_memory(zip).frame_count, 5);
}

TEST(ImageSequence, FolderFramesComeInNaturalOrder) {
  testing::TempDir dir;
  for (int k : {0, 1, 2}) {
    const std::string name = "f" + std::to_string(k == 2 ? 10 : k + 1) + ".png";
    testing::write_file(dir / name, encode_image(indexed_frame(20, 20, k), ".png"));
  }
  testing::write_file(dir / ".hidden.png", "ignored");
  testing::write_file(dir / "notes.txt", "ignored");
  std::filesystem::create_directory(dir / "sub.png");
  const DecodedVideo video = decode_image_folder(dir.path());
  EXPECT_EQ(indices_of(video), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(video.probe.container, "image_folder");
  EXPECT_EQ(decode_pose_file(dir.path()).frames.size(), 3u);
  EXPECT_EQ(probe_image_folder(dir.path()).frame_count, 3);
}

TEST(ImageSequence, PoseInputDispatchesOnContent) {
  testing::TempDir dir;
  testing::write_file(dir / "poses.mp4", pose_zip());  // a zip, whatever its name says
  EXPECT_EQ(decode_pose_file(dir / "poses.mp4").probe.container, "zip");
  Mp4WriterOptions options;
  options.preset = "ultrafast";
  const std::string mp4 = testing::encode_mp4({indexed_frame(16, 16, 0)}, options);
  EXPECT_EQ(decode_pose_memory(mp4).probe.codec, "h264");
  EXPECT_EQ(probe_pose_memory(mp4).codec, "h264");
}

TEST(ImageSequence, MismatchedSizesNeedARequestedSize) {
  const std::string zip = testing::make_zip({
      {"a1.png", encode_image(indexed_frame(20, 20, 0), ".png"), true},
      {"a2.png", encode_image(indexed_frame(30, 20, 1), ".png"), true},
  });
  const auto failure = failure_of([&] { decode_image_zip_memory(zip); });
  EXPECT_EQ(failure.code, MediaErrorCode::kInvalidData);
  EXPECT_TRUE(contains(failure.message, "'a2.png' is 30x20")) << failure.message;
  EXPECT_EQ(failure_of([&] { probe_image_zip_memory(zip); }).code, MediaErrorCode::kInvalidData);

  VideoDecodeOptions options;
  options.width = 10;
  options.height = 10;
  EXPECT_EQ(decode_image_zip_memory(zip, options).frames.size(), 2u);
}

TEST(ImageSequence, BadContentsAreNamed) {
  auto failure = failure_of([] {
    decode_image_zip_memory(testing::make_zip({{"a.txt", "x", true}}));
  });
  EXPECT_EQ(failure.code, MediaErrorCode::kInvalidData);
  EXPECT_TRUE(contains(failure.message, "contains no")) << failure.message;

  const std::string zip = testing::make_zip({
      {"p1.png", encode_image(indexed_frame(20, 20, 0), ".png"), true},
      {"p2.png", "this is not a png", true},
  });
  failure = failure_of([&] { decode_image_zip_memory(zip); });
  EXPECT_EQ(failure.code, MediaErrorCode::kUnsupportedFormat);
  EXPECT_TRUE(contains(failure.message, "p2.png")) << failure.message;

  failure = failure_of([] { decode_image_zip_memory("PK\x03\x04 but nothing else"); });
  EXPECT_EQ(failure.code, MediaErrorCode::kInvalidData);

  failure = failure_of([] { decode_image_folder("/nonexistent/poses"); });
  EXPECT_EQ(failure.code, MediaErrorCode::kIoError);
}

TEST(ImageSequence, EnforcesLimits) {
  VideoDecodeOptions options;
  options.limits.max_frames = 3;
  auto failure = failure_of([&] { decode_image_zip_memory(pose_zip(), options); });
  EXPECT_EQ(failure.code, MediaErrorCode::kLimitExceeded);
  EXPECT_TRUE(contains(failure.message, "5 frames exceeds the limit max_frames = 3"))
      << failure.message;

  options = {};
  options.limits.max_unpacked_bytes = 500;
  failure = failure_of([&] { decode_image_zip_memory(pose_zip(), options); });
  EXPECT_EQ(failure.code, MediaErrorCode::kLimitExceeded);
  EXPECT_TRUE(contains(failure.message, "max_unpacked_bytes = 500")) << failure.message;

  options = {};
  options.limits.max_pixels = 100;
  failure = failure_of([&] { decode_image_zip_memory(pose_zip(), options); });
  EXPECT_EQ(failure.code, MediaErrorCode::kLimitExceeded);

  options = {};
  options.image_sequence_fps = 0.0;
  EXPECT_THROW(decode_image_zip_memory(pose_zip(), options), std::invalid_argument);
}

}  // namespace
}  // namespace animate::media
