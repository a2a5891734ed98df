// What the connected Redis promises about durability, so the server and the
// workers can warn at start-up when accepted jobs could be lost on a crash
// (no AOF, or appendfsync no). Accepted jobs survive a Redis crash only with
// appendonly yes; appendfsync always loses nothing, everysec may lose about
// the last second of writes on a crash.
#pragma once

#include <optional>
#include <string>

#include "animate/jobs/redis_connection.h"

namespace animate::jobs {

struct PersistenceInfo {
  bool aof_enabled = false;
  std::string appendfsync;  // "always", "everysec", "no"

  // AOF on and fsynced at least every second.
  bool durable() const {
    return aof_enabled && (appendfsync == "always" || appendfsync == "everysec");
  }
};

// nullopt when CONFIG GET is not allowed (managed Redis services often
// disable it): durability is then the operator's word.
std::optional<PersistenceInfo> query_persistence(RedisConnection& connection);

}  // namespace animate::jobs
