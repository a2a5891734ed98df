// animate-render: one job in one process (see worker/render_command.h).
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "media/ffmpeg_log.h"
#include "worker/runner/render_command.h"

int main(int argc, char** argv) {
  // x264 prints its statistics at info level; the summary says what matters.
  animate::media::set_ffmpeg_log_level(animate::media::FfmpegLogLevel::kError);
  const std::vector<std::string> args(argv + 1, argv + argc);
  return animate::worker::render_command(args, std::cout, std::cerr, isatty(STDOUT_FILENO) != 0);
}
