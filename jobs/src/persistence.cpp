#include "animate/jobs/persistence.h"

#include "reply_errors.h"

namespace animate::jobs {

std::optional<PersistenceInfo> query_persistence(RedisConnection& connection) {
  auto replies =
      connection.pipeline({{"CONFIG", "GET", "appendonly"}, {"CONFIG", "GET", "appendfsync"}});
  if (replies[0].is_error() || replies[1].is_error()) return std::nullopt;
  const Fields appendonly = detail::to_fields(replies[0].get());
  const Fields appendfsync = detail::to_fields(replies[1].get());
  if (appendonly.empty() || appendfsync.empty()) return std::nullopt;
  return PersistenceInfo{appendonly.front().second == "yes", appendfsync.front().second};
}

}  // namespace animate::jobs
