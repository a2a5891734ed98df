#pragma once
// FFmpeg logs to stderr through one process-wide setting. The library never
// changes it on its own (the application owns stderr); servers and tests call
// this to silence FFmpeg's diagnostics about damaged inputs, which the
// library already reports through MediaError.
namespace animate::media {

enum class FfmpegLogLevel { kQuiet, kError, kWarning, kInfo };

void set_ffmpeg_log_level(FfmpegLogLevel level);

}  // namespace animate::media
