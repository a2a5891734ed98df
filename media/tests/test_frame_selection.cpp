#include <gtest/gtest.h>

#include "media/frame_selection.h"

namespace animate::media {
namespace {

std::vector<double> regular(int count, double fps) {
  std::vector<double> timestamps;
  for (int i = 0; i < count; ++i) timestamps.push_back(i / fps);
  return timestamps;
}

TEST(FrameSelection, NothingRequestedKeepsEveryFrame) {
  const auto selection = select_frames(regular(5, 10.0), 0.5, 10.0, {}, 100);
  EXPECT_EQ(selection.source_indices, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
  EXPECT_DOUBLE_EQ(selection.fps, 10.0);
}

TEST(FrameSelection, HalvingTheRateTakesEveryOtherFrame) {
  const auto selection =
      select_frames(regular(10, 30.0), 10 / 30.0, 30.0, {std::nullopt, 15.0}, 100);
  EXPECT_EQ(selection.source_indices, (std::vector<std::size_t>{0, 2, 4, 6, 8}));
  EXPECT_DOUBLE_EQ(selection.fps, 15.0);
}

TEST(FrameSelection, DoublingTheRateRepeatsFrames) {
  const auto selection = select_frames(regular(3, 10.0), 0.3, 10.0, {std::nullopt, 20.0}, 100);
  EXPECT_EQ(selection.source_indices, (std::vector<std::size_t>{0, 0, 1, 1, 2, 2}));
}

TEST(FrameSelection, CountSpansTheWholeSource) {
  // 8 frames at 8 fps resampled to 4: t = 0, 0.25, 0.5, 0.75 -> frames 0, 2, 4, 6.
  const auto selection = select_frames(regular(8, 8.0), 1.0, 8.0, {4, std::nullopt}, 100);
  EXPECT_EQ(selection.source_indices, (std::vector<std::size_t>{0, 2, 4, 6}));
  EXPECT_DOUBLE_EQ(selection.fps, 4.0);
}

TEST(FrameSelection, CountAndFpsRepeatTheLastFramePastTheEnd) {
  const auto selection = select_frames(regular(3, 10.0), 0.3, 10.0, {5, 10.0}, 100);
  EXPECT_EQ(selection.source_indices, (std::vector<std::size_t>{0, 1, 2, 2, 2}));
}

TEST(FrameSelection, VariableFrameRatePicksNearestTimestamp) {
  // A burst of frames early, then a long gap.
  const std::vector<double> timestamps = {0.0, 0.05, 0.1, 0.15, 1.0, 1.9};
  const auto selection = select_frames(timestamps, 2.0, 3.0, {std::nullopt, 2.0}, 100);
  // t = 0, 0.5, 1.0, 1.5 -> 0 | 0.5 nearer 0.15 (0.35) than 1.0 (0.5) -> 3 | 4 | 1.5: 1.9 (0.4)
  // vs 1.0 (0.5) -> 5
  EXPECT_EQ(selection.source_indices, (std::vector<std::size_t>{0, 3, 4, 5}));
}

TEST(FrameSelection, TiesGoToTheEarlierFrame) {
  const auto selection = select_frames({0.0, 1.0}, 2.0, 1.0, {std::nullopt, 2.0}, 100);
  EXPECT_EQ(selection.source_indices, (std::vector<std::size_t>{0, 0, 1, 1}));
}

TEST(FrameSelection, RejectsBadRequestsNamingTheField) {
  try {
    select_frames(regular(3, 10.0), 0.3, 10.0, {0, std::nullopt}, 100);
    FAIL();
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("frame_count"), std::string::npos);
  }
  EXPECT_THROW(select_frames(regular(3, 10.0), 0.3, 10.0, {101, std::nullopt}, 100),
               std::invalid_argument);
  EXPECT_THROW(select_frames(regular(3, 10.0), 0.3, 10.0, {std::nullopt, -1.0}, 100),
               std::invalid_argument);
  EXPECT_THROW(select_frames({}, 0.3, 10.0, {}, 100), std::invalid_argument);
}

}  // namespace
}  // namespace animate::media
