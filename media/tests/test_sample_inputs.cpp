#include <gtest/gtest.h>

#include "media/image_decoder.h"
#include "media/sample_inputs.h"
#include "media/video_decoder.h"
#include "test_support.h"

namespace animate::media {
namespace {

double mean_abs_difference(const Frame& a, const Frame& b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.rgb.size(); ++i) sum += std::abs(a.rgb[i] - b.rgb[i]);
  return sum / static_cast<double>(a.rgb.size());
}

TEST(SampleInputs, AreSmallDeterministicAndDecodable) {
  testing::TempDir first;
  testing::TempDir second;
  const SampleInputFiles files = write_sample_inputs(first.path());
  write_sample_inputs(second.path());

  std::uintmax_t total = 0;
  for (const auto& path : {files.pose_video, files.reference_pose, files.reference_image}) {
    const auto name = path.filename().string();
    EXPECT_EQ(testing::read_file(path), testing::read_file(second / name)) << name;
    total += std::filesystem::file_size(path);
  }
  EXPECT_LT(total, 100u * 1024u);

  const DecodedVideo video = decode_video_file(files.pose_video);
  ASSERT_EQ(video.frames.size(), 17u);
  EXPECT_EQ(video.frames[0].width, 128);
  EXPECT_DOUBLE_EQ(video.fps, 8.0);
  const Frame reference_pose = decode_image_file(files.reference_pose);
  EXPECT_LT(mean_abs_difference(video.frames[0], reference_pose), 4.0);
  // The limbs move: later frames differ from the first.
  EXPECT_GT(mean_abs_difference(video.frames[0], video.frames[8]), 1.0);
  const Frame reference = decode_image_file(files.reference_image);
  EXPECT_EQ(reference.width, 128);
  EXPECT_EQ(reference.height, 128);
}

TEST(SampleInputs, PosesAreColouredOnBlack) {
  const std::vector<Frame> poses = draw_pose_sequence({64, 9, 8});
  ASSERT_EQ(poses.size(), 9u);
  const Frame& pose = poses[0];
  EXPECT_EQ(pose.width, 64);
  EXPECT_EQ(pose.pixel(0, 0)[0] + pose.pixel(0, 0)[1] + pose.pixel(0, 0)[2], 0);
  int coloured = 0;
  for (std::size_t i = 0; i < pose.rgb.size(); i += 3) {
    if (pose.rgb[i] + pose.rgb[i + 1] + pose.rgb[i + 2] > 150) ++coloured;
  }
  EXPECT_GT(coloured, 100);
  EXPECT_THROW(draw_pose_sequence({33, 9, 8}), std::invalid_argument);
}

}  // namespace
}  // namespace animate::media
