// The flags every service binary has, declared once so that their names,
// variables, choices and help read the same on server and worker
// (docs/service-contract.md, Configuration).
#pragma once

#include <string>

#include "animate/runtime/flag_set.h"

namespace animate::runtime {

// --log-level (debug|info|warning|error) and --log-format (auto|json|text).
FlagSet& add_logging_flags(FlagSet& flags, std::string& level, std::string& format);

// --redis-url and --redis-prefix.
FlagSet& add_redis_flags(FlagSet& flags, std::string& url, std::string& prefix);

}  // namespace animate::runtime
