// Structured logs for the service binaries (animate-server, animate-worker).
//
// One event = one line on stderr. Where stderr is not a terminal (containers,
// log collectors) the line is a JSON object:
//   {"time":"2026-12-03T20:18:15.123Z","level":"info","component":"worker",
//    "message":"job finished","job_id":"j-1","duration_ms":812.4}
// On a terminal it is text for people:
//   2026-12-03T20:18:15.123Z info  worker: job finished job_id=j-1 duration_ms=812.4
// The format can be forced (`--log-format json|text`).
//
// Secrets: callers never pass API keys or passwords (the tenant identifies a
// caller), and the logger enforces it where it can: a field whose name says
// it is a secret is written as "[redacted]", the password of any URL
// (redis://:pw@host) is masked, and values registered with add_secret()
// (the Redis password) never appear in a line. See log_redaction.h.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace animate::runtime {

enum class LogLevel { kDebug, kInfo, kWarning, kError };
enum class LogFormat { kJson, kText };

// "debug" | "info" | "warning" (or "warn") | "error"; nullopt otherwise.
std::optional<LogLevel> parse_log_level(std::string_view name);
std::string_view log_level_name(LogLevel level);
// "json" | "text" | "auto" (text on a terminal, JSON otherwise); nullopt otherwise.
std::optional<LogFormat> parse_log_format(std::string_view name, bool terminal);

// A field's value keeps its JSON type: numbers and booleans stay unquoted.
using LogValue = std::variant<std::string, std::int64_t, double, bool>;
struct LogField {
  LogField(std::string key_, std::string value_) : key(std::move(key_)), value(std::move(value_)) {}
  LogField(std::string key_, const char* value_)
      : key(std::move(key_)), value(std::string(value_)) {}
  LogField(std::string key_, std::string_view value_)
      : key(std::move(key_)), value(std::string(value_)) {}
  template <typename Integer, typename = std::enable_if_t<std::is_integral_v<Integer> &&
                                                          !std::is_same_v<Integer, bool>>>
  LogField(std::string key_, Integer value_)
      : key(std::move(key_)), value(static_cast<std::int64_t>(value_)) {}
  LogField(std::string key_, double value_) : key(std::move(key_)), value(value_) {}
  LogField(std::string key_, bool value_) : key(std::move(key_)), value(value_) {}

  std::string key;
  LogValue value;
};
using LogFields = std::vector<LogField>;

// Where finished lines go (one call per line, newline included). Default: stderr.
using LogSink = std::function<void(std::string_view line)>;

struct LoggerOptions {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kJson;
  LogSink sink;  // empty = stderr
};

// Cheap to copy; copies share the output (level, sink, secrets). with()
// returns a logger that adds fixed fields (job_id, tenant) to each line.
// Safe from any thread; a line is written whole or not at all.
class Logger {
 public:
  // component: "server", "worker", ... (the "component" field).
  explicit Logger(std::string component, LoggerOptions options = {});

  Logger with(LogFields fields) const;

  bool enabled(LogLevel level) const;
  void set_level(LogLevel level);
  LogLevel level() const;
  LogFormat format() const;

  // Values that must never appear in a line (masked as "[redacted]").
  // Values shorter than 4 bytes are refused (they would mask ordinary text).
  void add_secret(std::string value);

  void log(LogLevel level, std::string_view message, const LogFields& fields = {}) const;
  void debug(std::string_view message, const LogFields& fields = {}) const {
    log(LogLevel::kDebug, message, fields);
  }
  void info(std::string_view message, const LogFields& fields = {}) const {
    log(LogLevel::kInfo, message, fields);
  }
  void warning(std::string_view message, const LogFields& fields = {}) const {
    log(LogLevel::kWarning, message, fields);
  }
  void error(std::string_view message, const LogFields& fields = {}) const {
    log(LogLevel::kError, message, fields);
  }

 private:
  struct Output;
  Logger(std::shared_ptr<Output> output, std::string component, LogFields bound);

  std::shared_ptr<Output> output_;
  std::string component_;
  LogFields bound_;
};

// LoggerOptions from the --log-level/--log-format values (validated already)
// with the format's "auto" resolved against stderr.
LoggerOptions logger_options(std::string_view level, std::string_view format);

}  // namespace animate::runtime
