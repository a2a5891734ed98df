// Unit tests of the long-video window lists.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/sampling/context_windows.h"

namespace animate::sampling {
namespace {

FrameWindow range(std::int64_t first, std::int64_t last) {
  FrameWindow out(static_cast<std::size_t>(last - first + 1));
  std::iota(out.begin(), out.end(), first);
  return out;
}

const ContextWindowOptions kRelease{21, 4};

TEST(ContextWindows, SpecExamples) {
  // unianimate.md 5: Tlat = 38 -> [0..20], [17..37]; Tlat = 41 -> [0..20], [17..37], [20..40].
  EXPECT_EQ(context_windows(38, kRelease), (FrameWindows{range(0, 20), range(17, 37)}));
  EXPECT_EQ(context_windows(41, kRelease),
            (FrameWindows{range(0, 20), range(17, 37), range(20, 40)}));
  EXPECT_EQ(context_windows(21, kRelease), (FrameWindows{range(0, 20)}));
}

TEST(ContextWindows, RawWindowsWrapBeforeTheReplacement) {
  // Starts 0 and 17 (< 22 - 4); the second wraps modulo 22 and is then replaced.
  FrameWindow wrapped = range(17, 21);
  const FrameWindow head = range(0, 15);
  wrapped.insert(wrapped.end(), head.begin(), head.end());
  EXPECT_EQ(raw_context_windows(22, kRelease), (FrameWindows{range(0, 20), wrapped}));
  EXPECT_EQ(context_windows(22, kRelease), (FrameWindows{range(0, 20), range(1, 21)}));
}

TEST(ContextWindows, ShortVideoGetsOneWrappedWindowOfContextSize) {
  // n <= cs: one raw window of n frames; the replacement takes [n - cs .. n - 1]
  // modulo n, repeating frames like the reference.
  EXPECT_EQ(raw_context_windows(15, kRelease), (FrameWindows{range(0, 14)}));
  FrameWindow expected = range(9, 14);
  const FrameWindow all = range(0, 14);
  expected.insert(expected.end(), all.begin(), all.end());
  EXPECT_EQ(context_windows(15, kRelease), (FrameWindows{expected}));
}

TEST(ContextWindows, EveryFrameIsCoveredInOrder) {
  for (const ContextWindowOptions options :
       {ContextWindowOptions{21, 4}, ContextWindowOptions{5, 3}, ContextWindowOptions{8, 0},
        ContextWindowOptions{6, 5}, ContextWindowOptions{1, 0}}) {
    for (std::int64_t n = options.context_size; n <= 120; ++n) {
      const FrameWindows windows = context_windows(n, options);
      const std::string where = "cs " + std::to_string(options.context_size) + " ov " +
                                std::to_string(options.context_overlap) + " n " + std::to_string(n);
      std::vector<int> covered(static_cast<std::size_t>(n), 0);
      for (const FrameWindow& window : windows) {
        ASSERT_EQ(static_cast<std::int64_t>(window.size()), options.context_size) << where;
        for (const std::int64_t frame : window) {
          ASSERT_GE(frame, 0) << where;
          ASSERT_LT(frame, n) << where;
          covered[static_cast<std::size_t>(frame)] = 1;
        }
      }
      EXPECT_EQ(std::accumulate(covered.begin(), covered.end(), 0), n) << where;
      // Final windows of a video at least one window long are contiguous runs,
      // start in non-decreasing order and the last one ends on the last frame.
      for (std::size_t w = 0; w < windows.size(); ++w) {
        EXPECT_EQ(windows[w],
                  range(windows[w].front(), windows[w].front() + options.context_size - 1))
            << where;
        if (w > 0) {
          EXPECT_GE(windows[w].front(), windows[w - 1].front()) << where;
        }
      }
      EXPECT_EQ(windows.back().back(), n - 1) << where;
      EXPECT_EQ(windows.front().front(), 0) << where;
    }
  }
}

TEST(ContextWindows, WindowCountFollowsTheStride) {
  // Raw starts 0, 17, 34, ... below n - 4: ceil((n - 4) / 17) windows.
  for (std::int64_t n = 22; n <= 200; ++n) {
    const auto count = static_cast<std::int64_t>(context_windows(n, kRelease).size());
    EXPECT_EQ(count, (n - 4 + 16) / 17) << "n " << n;
  }
}

TEST(ContextWindows, ReferenceFailureAtHalfTheContextIsAnError) {
  // cs/4 < n <= cs/2: the reference's replacement range() has step 0.
  for (const std::int64_t n : {6, 7, 8, 9, 10}) {
    try {
      context_windows(n, kRelease);
      FAIL() << "expected std::invalid_argument for n " << n;
    } catch (const std::invalid_argument& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find("num_frames " + std::to_string(n)), std::string::npos) << message;
      EXPECT_NE(message.find("context_size 21"), std::string::npos) << message;
    }
  }
  EXPECT_NO_THROW(context_windows(11, kRelease));
  // The raw scheduler alone is fine there.
  EXPECT_EQ(raw_context_windows(10, kRelease), (FrameWindows{range(0, 9)}));
}

TEST(ContextWindows, VeryShortVideoReproducesTheReferenceDescendingWindow) {
  // n <= cs/4: step = ceil(log2(n/cs)) + 1 = -1 and the reference takes
  // range(n + cs, n, -1) modulo n.
  const FrameWindows windows = context_windows(5, kRelease);
  ASSERT_EQ(windows.size(), 1U);
  FrameWindow expected;
  for (std::int64_t e = 26; e > 5; --e) expected.push_back(e % 5);
  EXPECT_EQ(windows.front(), expected);
  // n = 2, cs = 21: log2(2/21) -> -3.39, ceil -3, step -2: range(2 + 42, 2, -2).
  FrameWindow two;
  for (std::int64_t e = 44; e > 2; e -= 2) two.push_back(e % 2);
  EXPECT_EQ(context_windows(2, kRelease).front(), two);
}

TEST(ContextWindows, RejectsBadParameters) {
  EXPECT_THROW(context_windows(0, kRelease), std::invalid_argument);
  EXPECT_THROW(context_windows(30, ContextWindowOptions{0, 0}), std::invalid_argument);
  EXPECT_THROW(context_windows(30, ContextWindowOptions{21, -1}), std::invalid_argument);
  EXPECT_THROW(context_windows(30, ContextWindowOptions{21, 21}), std::invalid_argument);
  try {
    raw_context_windows(30, ContextWindowOptions{4, 9});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("context_overlap"), std::string::npos);
  }
}

TEST(ContextWindows, TensorLayout) {
  const at::Tensor t = windows_to_tensor(context_windows(41, kRelease));
  EXPECT_EQ(t.scalar_type(), at::kLong);
  ASSERT_EQ(t.sizes(), (at::IntArrayRef{3, 21}));
  EXPECT_EQ(t[2][0].item<std::int64_t>(), 20);
  EXPECT_EQ(t[2][20].item<std::int64_t>(), 40);
  EXPECT_THROW(windows_to_tensor(FrameWindows{range(0, 3), range(0, 2)}), std::invalid_argument);
}

}  // namespace
}  // namespace animate::sampling
