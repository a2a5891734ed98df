#include "logger.h"

#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace animate::server {
namespace {

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

void append_value(std::ostringstream& out, std::string_view value) {
  const bool plain = !value.empty() && value.find_first_of(" \"=\\\n\t") == std::string_view::npos;
  if (plain) {
    out << value;
    return;
  }
  out << '"';
  for (const char c : value) {
    switch (c) {
      case '"': out << "\\\""; break;
      case '\\': out << "\\\\"; break;
      case '\n': out << "\\n"; break;
      case '\t': out << "\\t"; break;
      default: out << c;
    }
  }
  out << '"';
}

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%dT%H:%M:%S") << '.' << std::setw(3) << std::setfill('0') << ms
      << 'Z';
  return out.str();
}

}  // namespace

LogLevel parse_log_level(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "warning") return LogLevel::kWarning;
  if (name == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

void Logger::log(LogLevel level, std::string_view message, const LogFields& fields) {
  if (!enabled(level)) return;
  std::ostringstream line;
  line << "ts=" << utc_now() << " level=" << level_name(level) << " msg=";
  append_value(line, message);
  for (const auto& [key, value] : fields) {
    line << ' ' << key << '=';
    append_value(line, value);
  }
  line << '\n';
  std::lock_guard lock(mutex_);
  std::cerr << line.str() << std::flush;
}

void Logger::request(std::string_view method, std::string_view code,
                     std::chrono::nanoseconds duration, std::string_view tenant,
                     std::string_view detail) {
  if (!enabled(LogLevel::kInfo)) return;
  std::ostringstream ms;
  ms << std::fixed << std::setprecision(3) << static_cast<double>(duration.count()) / 1e6;
  LogFields fields{{"method", std::string(method)},
                   {"code", std::string(code)},
                   {"duration_ms", ms.str()},
                   {"tenant", tenant.empty() ? "-" : std::string(tenant)}};
  if (!detail.empty()) fields.emplace_back("error", std::string(detail));
  log(LogLevel::kInfo, "request", fields);
}

}  // namespace animate::server
