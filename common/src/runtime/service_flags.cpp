#include "animate/runtime/service_flags.h"

#include <iostream>

namespace animate::runtime {

FlagSet& add_redis_flags(FlagSet& flags, RedisSettings& settings) {
  return flags.text("redis-url", "Redis URL redis://[:password@]host[:port][/db]", settings.url)
      .text("redis-prefix", "prefix of every Redis key", settings.prefix);
}

FlagSet& add_logging_flags(FlagSet& flags, LogSettings& settings) {
  return flags
      .choice("log-level", "lowest level logged", settings.level,
              {"debug", "info", "warning", "error"})
      .choice("log-format", "one JSON object per line, or text; auto = text on a terminal",
              settings.format, {"auto", "json", "text"});
}

LoggerOptions logger_options(const LogSettings& settings) {
  return logger_options(settings.level, settings.format);
}

std::optional<int> read_command_line(const std::string& program, const std::function<bool()>& parse,
                                     const std::function<std::string()>& usage) {
  try {
    if (parse()) return std::nullopt;
  } catch (const FlagError& error) {
    std::cerr << program << ": " << error.what() << "\n";
    return 2;
  }
  std::cout << usage();
  return 0;
}

}  // namespace animate::runtime
