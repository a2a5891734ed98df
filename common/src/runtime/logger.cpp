#include "animate/runtime/logger.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "animate/runtime/log_redaction.h"

namespace animate::runtime {

struct Logger::Output {
  std::atomic<LogLevel> level;
  LogFormat format;
  LogSink sink;
  std::mutex mutex;  // guards secrets and serialises the sink
  std::vector<std::string> secrets;
};

namespace {

constexpr std::array<std::string_view, 4> kReservedKeys = {"time", "level", "component", "message"};

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[40];
  const std::size_t length = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(stamp + length, sizeof stamp - length, ".%03dZ", static_cast<int>(millis));
  return stamp;
}

// Length of the valid UTF-8 sequence starting at text[i], 0 when invalid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 0;
  }
  return length;
}

// A JSON string literal. Control characters are escaped and bytes that are
// not UTF-8 become U+FFFD, so every line parses whatever a message carries
// (file names, decoder errors).
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t length = utf8_sequence_length(text, i);
      if (length == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

std::string number_text(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// Text-format value: bare when it has no spaces, quotes or '='.
void append_text_value(std::string& out, std::string_view value) {
  if (!value.empty() && value.find_first_of(" \"=\\\n\t") == std::string_view::npos) {
    out.append(value);
    return;
  }
  append_json_string(out, value);
}

struct ScrubbedField {
  std::string key;
  LogValue value;
};

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warning" || name == "warn") return LogLevel::kWarning;
  if (name == "error") return LogLevel::kError;
  return std::nullopt;
}

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

std::optional<LogFormat> parse_log_format(std::string_view name, bool terminal) {
  if (name == "json") return LogFormat::kJson;
  if (name == "text") return LogFormat::kText;
  if (name == "auto") return terminal ? LogFormat::kText : LogFormat::kJson;
  return std::nullopt;
}

LoggerOptions logger_options(std::string_view level, std::string_view format) {
  LoggerOptions options;
  options.level = parse_log_level(level).value_or(LogLevel::kInfo);
  options.format =
      parse_log_format(format, ::isatty(STDERR_FILENO) == 1).value_or(LogFormat::kJson);
  return options;
}

Logger::Logger(std::string component, LoggerOptions options)
    : output_(std::make_shared<Output>()), component_(std::move(component)) {
  output_->level = options.level;
  output_->format = options.format;
  output_->sink = std::move(options.sink);
}

Logger::Logger(std::shared_ptr<Output> output, std::string component, LogFields bound)
    : output_(std::move(output)), component_(std::move(component)), bound_(std::move(bound)) {}

Logger Logger::with(LogFields fields) const {
  LogFields bound = bound_;
  for (auto& field : fields) bound.push_back(std::move(field));
  return Logger(output_, component_, std::move(bound));
}

bool Logger::enabled(LogLevel level) const {
  return level >= output_->level.load();
}

void Logger::set_level(LogLevel level) {
  output_->level = level;
}

LogLevel Logger::level() const {
  return output_->level.load();
}

LogFormat Logger::format() const {
  return output_->format;
}

void Logger::add_secret(std::string value) {
  if (value.size() < 4) return;
  const std::lock_guard lock(output_->mutex);
  output_->secrets.push_back(std::move(value));
}

void Logger::log(LogLevel level, std::string_view message, const LogFields& fields) const {
  if (!enabled(level)) return;
  std::vector<std::string> secrets;
  {
    const std::lock_guard lock(output_->mutex);
    secrets = output_->secrets;
  }
  const auto scrub = [&](std::string_view text) {
    return mask_secrets(mask_url_passwords(text), secrets);
  };

  std::vector<ScrubbedField> all;
  all.reserve(bound_.size() + fields.size());
  for (const LogFields* group : {&bound_, &fields}) {
    for (const LogField& field : *group) {
      std::string key = field.key;
      for (const std::string_view reserved : kReservedKeys) {
        if (key == reserved) key = "field_" + key;
      }
      LogValue value = field.value;
      if (is_secret_field_name(key)) {
        value = std::string(kRedacted);
      } else if (const auto* text = std::get_if<std::string>(&value)) {
        value = scrub(*text);
      }
      all.push_back({std::move(key), std::move(value)});
    }
  }
  const std::string text = scrub(message);
  const std::string time = utc_timestamp();

  std::string line;
  line.reserve(128 + text.size());
  if (output_->format == LogFormat::kJson) {
    line += "{\"time\":\"" + time + "\",\"level\":\"";
    line += log_level_name(level);
    line += "\",\"component\":";
    append_json_string(line, component_);
    line += ",\"message\":";
    append_json_string(line, text);
    for (const ScrubbedField& field : all) {
      line += ',';
      append_json_string(line, field.key);
      line += ':';
      std::visit(
          [&](const auto& value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, std::string>) {
              append_json_string(line, value);
            } else if constexpr (std::is_same_v<T, bool>) {
              line += value ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
              if (std::isfinite(value)) {
                line += number_text(value);
              } else {
                append_json_string(line, number_text(value));
              }
            } else {
              line += std::to_string(value);
            }
          },
          field.value);
    }
    line += "}\n";
  } else {
    line += time;
    line += ' ';
    const std::string_view name = log_level_name(level);
    line += name;
    line.append(name.size() < 7 ? 7 - name.size() : 1, ' ');
    line += component_ + ": " + text;
    for (const ScrubbedField& field : all) {
      line += ' ' + field.key + '=';
      std::visit(
          [&](const auto& value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, std::string>) {
              append_text_value(line, value);
            } else if constexpr (std::is_same_v<T, bool>) {
              line += value ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
              line += number_text(value);
            } else {
              line += std::to_string(value);
            }
          },
          field.value);
    }
    line += '\n';
  }

  const std::lock_guard lock(output_->mutex);
  if (output_->sink) {
    output_->sink(line);
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }
}

}  // namespace animate::runtime
