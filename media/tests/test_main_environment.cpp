// Silences FFmpeg's own diagnostics: many tests feed damaged inputs on purpose
// and check our MediaError messages instead.
#include <gtest/gtest.h>

#include "media/ffmpeg_log.h"

namespace {

class QuietFfmpeg : public ::testing::Environment {
 public:
  void SetUp() override {
    animate::media::set_ffmpeg_log_level(animate::media::FfmpegLogLevel::kQuiet);
  }
};

const auto* const kQuietFfmpeg = ::testing::AddGlobalTestEnvironment(new QuietFfmpeg);

}  // namespace
