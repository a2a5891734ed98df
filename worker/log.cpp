#include "worker/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace animate::worker {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mutex;

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "?";
}

}  // namespace

bool set_log_level(std::string_view name) {
  if (name == "debug") {
    g_level = LogLevel::kDebug;
  } else if (name == "info") {
    g_level = LogLevel::kInfo;
  } else if (name == "warning" || name == "warn") {
    g_level = LogLevel::kWarning;
  } else if (name == "error") {
    g_level = LogLevel::kError;
  } else {
    return false;
  }
  return true;
}

void log(LogLevel level, const std::string& message) {
  if (level < g_level.load()) return;
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  const std::lock_guard<std::mutex> lock(g_mutex);
  std::fprintf(stderr, "%s.%03dZ %s animate-worker: %s\n", stamp, static_cast<int>(millis),
               level_name(level), message.c_str());
}

}  // namespace animate::worker
