// The settings and flags every service binary has, declared once so that
// their names, variables, defaults, choices and help read the same on server
// and worker (docs/service-contract.md, Configuration).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "animate/runtime/flag_set.h"
#include "animate/runtime/logger.h"

namespace animate::runtime {

struct RedisSettings {
  std::string url = "redis://127.0.0.1:6379/0";
  std::string prefix = "animate:";
};

struct LogSettings {
  std::string level = "info";   // debug | info | warning | error
  std::string format = "auto";  // auto | json | text
};

// --redis-url and --redis-prefix.
FlagSet& add_redis_flags(FlagSet& flags, RedisSettings& settings);
// --log-level and --log-format.
FlagSet& add_logging_flags(FlagSet& flags, LogSettings& settings);
// The logger's options for validated settings ("auto" resolved against stderr).
LoggerOptions logger_options(const LogSettings& settings);

// The start of every service main(): runs `parse` (which returns false for
// --help) and returns the exit code when the process should stop now: 0
// after printing `usage` for --help, 2 after printing "<program>: <error>"
// for a FlagError. nullopt: go on.
std::optional<int> read_command_line(const std::string& program, const std::function<bool()>& parse,
                                     const std::function<std::string()>& usage);

}  // namespace animate::runtime
