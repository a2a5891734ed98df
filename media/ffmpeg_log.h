#pragma once
// FFmpeg logs to stderr through one process-wide setting. The library never
// changes it on its own (the application owns stderr); servers and tests call
// this to silence FFmpeg's diagnostics about damaged inputs, which the
// library already reports through MediaError.
#include <functional>
#include <string_view>

namespace animate::media {

enum class FfmpegLogLevel { kQuiet, kError, kWarning, kInfo };

void set_ffmpeg_log_level(FfmpegLogLevel level);

// Hands FFmpeg's messages (those the level above lets through) to `sink`, one
// line each, instead of writing them to stderr, so a service's log stays one
// format. Called from whichever thread FFmpeg logs on: the sink must be
// thread-safe. An empty sink restores FFmpeg's own output.
using FfmpegLogSink = std::function<void(FfmpegLogLevel level, std::string_view line)>;
void set_ffmpeg_log_sink(FfmpegLogSink sink);

}  // namespace animate::media
