#include <gtest/gtest.h>

#include <algorithm>

#include "media/image_sequence.h"
#include "media/natural_order.h"

namespace animate::media {
namespace {

TEST(NaturalOrder, NumbersCompareByValue) {
  std::vector<std::string> names = {"frame10.png",  "frame2.png",  "Frame1.png",
                                    "frame002.png", "frame_a.png", "frame.png"};
  std::sort(names.begin(), names.end(), natural_less);
  EXPECT_EQ(names, (std::vector<std::string>{"frame.png", "Frame1.png", "frame002.png",
                                             "frame2.png", "frame10.png", "frame_a.png"}));
}

TEST(NaturalOrder, IsAStrictOrder) {
  EXPECT_FALSE(natural_less("a1", "a1"));
  EXPECT_TRUE(natural_less("a", "a1"));
  EXPECT_FALSE(natural_less("a1", "a"));
  EXPECT_TRUE(natural_less("9", "10"));
  EXPECT_TRUE(natural_less("dir/1.png", "dir/01b.png"));
}

TEST(NaturalOrder, PoseImageNames) {
  EXPECT_TRUE(is_pose_image_name("a.PNG"));
  EXPECT_TRUE(is_pose_image_name("dir/b.jpeg"));
  EXPECT_TRUE(is_pose_image_name("c.webp"));
  EXPECT_FALSE(is_pose_image_name(".hidden.png"));
  EXPECT_FALSE(is_pose_image_name("__MACOSX/dir/a.png"));
  EXPECT_FALSE(is_pose_image_name("notes.txt"));
  EXPECT_FALSE(is_pose_image_name(".png"));
  EXPECT_FALSE(is_pose_image_name("dir/"));
}

}  // namespace
}  // namespace animate::media
