// The stop protocol both service binaries follow (docs/service-contract.md):
// the first SIGTERM/SIGINT drains (no new work, in-flight work gets its grace
// period), a second one while draining cuts it short ("now").
#pragma once

#include <functional>

#include "animate/runtime/logger.h"
#include "animate/runtime/process_signals.h"

namespace animate::runtime {

struct GracefulStop {
  // Blocks until the process has drained (it bounds its own grace period).
  std::function<void()> drain;
  // Called once, from another thread, when a second stop signal arrives
  // while drain() runs; it must make drain() return soon (worker: hand the
  // running job back) or end the process (exit_now()).
  std::function<void()> interrupt;
};

// Waits for the first stop signal, then runs the protocol. Returns false when
// the drain was interrupted by a second signal.
bool drain_on_stop_signal(const ProcessSignals& signals, const Logger& logger,
                          const GracefulStop& stop);

// Logs and ends the process at once with `code` (no destructors: other
// threads may still hold what they would tear down).
[[noreturn]] void exit_now(const Logger& logger, int code, std::string_view why);

}  // namespace animate::runtime
