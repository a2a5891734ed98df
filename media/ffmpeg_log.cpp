#include "media/ffmpeg_log.h"

#include <memory>
#include <mutex>
#include <string>

extern "C" {
#include <libavutil/log.h>
}

namespace animate::media {
namespace {

std::mutex g_sink_mutex;
std::shared_ptr<const FfmpegLogSink> g_sink;  // guarded by g_sink_mutex

extern "C" void forward_to_sink(void* context, int level, const char* format, va_list arguments) {
  if (level > av_log_get_level()) return;
  std::shared_ptr<const FfmpegLogSink> sink;
  {
    const std::lock_guard lock(g_sink_mutex);
    sink = g_sink;
  }
  if (!sink) return;
  char line[1024];
  int print_prefix = 1;
  av_log_format_line2(context, level, format, arguments, line, sizeof line, &print_prefix);
  std::string_view text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  if (text.empty()) return;
  const FfmpegLogLevel mapped = level <= AV_LOG_ERROR     ? FfmpegLogLevel::kError
                                : level <= AV_LOG_WARNING ? FfmpegLogLevel::kWarning
                                                          : FfmpegLogLevel::kInfo;
  (*sink)(mapped, text);
}

}  // namespace

void set_ffmpeg_log_level(FfmpegLogLevel level) {
  switch (level) {
    case FfmpegLogLevel::kQuiet: av_log_set_level(AV_LOG_QUIET); break;
    case FfmpegLogLevel::kError: av_log_set_level(AV_LOG_ERROR); break;
    case FfmpegLogLevel::kWarning: av_log_set_level(AV_LOG_WARNING); break;
    case FfmpegLogLevel::kInfo: av_log_set_level(AV_LOG_INFO); break;
  }
}

void set_ffmpeg_log_sink(FfmpegLogSink sink) {
  const bool routed = static_cast<bool>(sink);
  {
    const std::lock_guard lock(g_sink_mutex);
    g_sink = routed ? std::make_shared<const FfmpegLogSink>(std::move(sink)) : nullptr;
  }
  av_log_set_callback(routed ? forward_to_sink : av_log_default_callback);
}

}  // namespace animate::media
