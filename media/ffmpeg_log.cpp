#include "media/ffmpeg_log.h"

extern "C" {
#include <libavutil/log.h>
}

namespace animate::media {

void set_ffmpeg_log_level(FfmpegLogLevel level) {
  switch (level) {
    case FfmpegLogLevel::kQuiet: av_log_set_level(AV_LOG_QUIET); break;
    case FfmpegLogLevel::kError: av_log_set_level(AV_LOG_ERROR); break;
    case FfmpegLogLevel::kWarning: av_log_set_level(AV_LOG_WARNING); break;
    case FfmpegLogLevel::kInfo: av_log_set_level(AV_LOG_INFO); break;
  }
}

}  // namespace animate::media
