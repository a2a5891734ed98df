#include "animate/runtime/graceful_stop.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace animate::runtime {
namespace {

std::string signal_name(int number) {
  switch (number) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case -1: return "request";
    default: return std::to_string(number);
  }
}

}  // namespace

bool drain_on_stop_signal(const ProcessSignals& signals, const Logger& logger,
                          const GracefulStop& stop) {
  signals.wait_for_stop();
  const int number = signals.first_stop_signal();
  logger.info("stop requested: draining (a second signal stops at once)",
              {{"signal", signal_name(number)}});
  std::atomic<bool> drained{false};
  std::atomic<bool> interrupted{false};
  std::thread watcher([&] {
    // Polls so that it ends when the drain does, without a signal.
    while (!drained) {
      if (signals.wait_for_stops(2, std::chrono::milliseconds(100))) {
        interrupted = true;
        logger.warning("second stop signal: not waiting for the drain");
        if (stop.interrupt) stop.interrupt();
        return;
      }
    }
  });
  stop.drain();
  drained = true;
  watcher.join();
  return !interrupted;
}

void exit_now(const Logger& logger, int code, std::string_view why) {
  logger.warning("exiting now", {{"reason", why}, {"exit_code", code}});
  std::fflush(stderr);
  std::fflush(stdout);
  std::_Exit(code);
}

}  // namespace animate::runtime
