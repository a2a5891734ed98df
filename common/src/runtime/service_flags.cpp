#include "animate/runtime/service_flags.h"

namespace animate::runtime {

FlagSet& add_logging_flags(FlagSet& flags, std::string& level, std::string& format) {
  return flags
      .choice("log-level", "lowest level logged", level, {"debug", "info", "warning", "error"})
      .choice("log-format", "one JSON object per line, or text; auto = text on a terminal", format,
              {"auto", "json", "text"});
}

FlagSet& add_redis_flags(FlagSet& flags, std::string& url, std::string& prefix) {
  return flags.text("redis-url", "Redis URL redis://[:password@]host[:port][/db]", url)
      .text("redis-prefix", "prefix of every Redis key", prefix);
}

}  // namespace animate::runtime
