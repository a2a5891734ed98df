// Structured (logfmt) log lines on stderr: "ts=... level=info msg=... k=v".
// One line per finished request at info. Values are quoted when needed.
// Callers never pass API keys: the tenant is what identifies a caller.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace animate::server {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// "debug", "info", "warning", "error"; anything else is info.
LogLevel parse_log_level(std::string_view name);

using LogFields = std::vector<std::pair<std::string, std::string>>;

class Logger {
 public:
  explicit Logger(LogLevel level = LogLevel::kInfo) : level_(level) {}

  bool enabled(LogLevel level) const { return level >= level_; }
  void log(LogLevel level, std::string_view message, const LogFields& fields = {});

  void request(std::string_view method, std::string_view code, std::chrono::nanoseconds duration,
               std::string_view tenant, std::string_view detail);

 private:
  LogLevel level_;
  std::mutex mutex_;
};

}  // namespace animate::server
