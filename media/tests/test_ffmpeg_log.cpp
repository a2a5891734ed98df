#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "media/ffmpeg_log.h"

extern "C" {
#include <libavutil/log.h>
}

namespace animate::media {
namespace {

TEST(FfmpegLog, SinkGetsWholeLinesAtOrAboveTheLevel) {
  std::vector<std::pair<FfmpegLogLevel, std::string>> lines;
  set_ffmpeg_log_level(FfmpegLogLevel::kWarning);
  set_ffmpeg_log_sink([&](FfmpegLogLevel level, std::string_view line) {
    lines.emplace_back(level, std::string(line));
  });
  av_log(nullptr, AV_LOG_ERROR, "invalid NAL unit %d\n", 7);
  av_log(nullptr, AV_LOG_WARNING, "deprecated pixel format\n");
  av_log(nullptr, AV_LOG_INFO, "too chatty\n");
  set_ffmpeg_log_sink(nullptr);
  set_ffmpeg_log_level(FfmpegLogLevel::kQuiet);
  av_log(nullptr, AV_LOG_ERROR, "after the sink went\n");

  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].first, FfmpegLogLevel::kError);
  EXPECT_EQ(lines[0].second, "invalid NAL unit 7");
  EXPECT_EQ(lines[1].first, FfmpegLogLevel::kWarning);
  EXPECT_EQ(lines[1].second, "deprecated pixel format");
}

}  // namespace
}  // namespace animate::media
