#pragma once
// Minimal leveled logging to stderr for the worker: one line per message,
// UTC timestamp, level, text; safe from any thread. --log-level sets the floor.
#include <string>
#include <string_view>

namespace animate::worker {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// "debug" | "info" | "warning" (or "warn") | "error"; false for anything else.
bool set_log_level(std::string_view name);
void log(LogLevel level, const std::string& message);

inline void log_info(const std::string& message) {
  log(LogLevel::kInfo, message);
}
inline void log_warning(const std::string& message) {
  log(LogLevel::kWarning, message);
}
inline void log_error(const std::string& message) {
  log(LogLevel::kError, message);
}
inline void log_debug(const std::string& message) {
  log(LogLevel::kDebug, message);
}

}  // namespace animate::worker
