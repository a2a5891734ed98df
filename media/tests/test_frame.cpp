#include <gtest/gtest.h>

#include "media/frame.h"

namespace animate::media {
namespace {

Frame numbered(int width, int height) {
  Frame frame(width, height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) frame.pixel(x, y)[0] = static_cast<std::uint8_t>(y * width + x);
  }
  return frame;
}

TEST(Frame, RotateCounterclockwiseQuarterTurn) {
  // 3x2:  0 1 2      after 90 CCW (2x3):  2 5
  //       3 4 5                           1 4
  //                                       0 3
  const Frame rotated = rotate_counterclockwise(numbered(3, 2), 90);
  ASSERT_EQ(rotated.width, 2);
  ASSERT_EQ(rotated.height, 3);
  EXPECT_EQ(rotated.pixel(0, 0)[0], 2);
  EXPECT_EQ(rotated.pixel(1, 0)[0], 5);
  EXPECT_EQ(rotated.pixel(0, 2)[0], 0);
  EXPECT_EQ(rotated.pixel(1, 2)[0], 3);
}

TEST(Frame, RotateClockwiseAndHalfTurn) {
  const Frame clockwise = rotate_counterclockwise(numbered(3, 2), 270);
  EXPECT_EQ(clockwise.pixel(0, 0)[0], 3);
  EXPECT_EQ(clockwise.pixel(1, 0)[0], 0);
  const Frame half = rotate_counterclockwise(numbered(3, 2), 180);
  EXPECT_EQ(half.pixel(0, 0)[0], 5);
  EXPECT_EQ(half.pixel(2, 1)[0], 0);
  EXPECT_EQ(rotate_counterclockwise(numbered(3, 2), -90).pixel(0, 0)[0], 3);
}

TEST(Frame, RejectsBadArguments) {
  EXPECT_THROW(rotate_counterclockwise(numbered(2, 2), 45), std::invalid_argument);
  EXPECT_THROW(Frame(-1, 2), std::invalid_argument);
}

}  // namespace
}  // namespace animate::media
