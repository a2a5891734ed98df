// animate-server: configuration from flags and environment, then serve until
// SIGTERM/SIGINT (graceful shutdown; a second signal exits at once); SIGHUP
// re-reads the API keys file. The runtime pieces are common/'s.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "animate/runtime/graceful_stop.h"
#include "animate/runtime/process_signals.h"
#include "animate/runtime/service_flags.h"
#include "media/ffmpeg_log.h"
#include "server_app.h"
#include "server_config.h"

int main(int argc, char** argv) {
  using namespace animate;
  server::ParsedCommandLine parsed;
  const auto exit_code = runtime::read_command_line(
      "animate-server",
      [&] {
        parsed = server::parse_command_line(std::vector<std::string>(argv + 1, argv + argc),
                                            runtime::process_environment());
        return !parsed.help;
      },
      server::help_text);
  if (exit_code) return *exit_code;

  try {
    runtime::ProcessSignals signals;
    const auto app = std::make_unique<server::ServerApp>(parsed.config);
    // Uploads are probed with FFmpeg; its complaints about damaged files
    // (already answered as INVALID_ARGUMENT) join the log as warnings.
    media::set_ffmpeg_log_level(media::FfmpegLogLevel::kError);
    media::set_ffmpeg_log_sink(
        [logger = app->logger()](media::FfmpegLogLevel, std::string_view line) {
          logger.warning(line, {{"source", "ffmpeg"}});
        });
    signals.on_reload([&app] { app->reload_api_keys(); });
    runtime::drain_on_stop_signal(
        signals, app->logger(),
        {[&app] { app->shutdown(); },
         [&app] { runtime::exit_now(app->logger(), 1, "second stop signal while draining"); }});
    signals.on_reload(nullptr);
  } catch (const std::exception& error) {
    std::cerr << "animate-server: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
