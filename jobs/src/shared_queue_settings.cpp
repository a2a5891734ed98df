#include "animate/jobs/shared_queue_settings.h"

#include <charconv>
#include <map>

#include "animate/jobs/jobs_error.h"
#include "reply_errors.h"

namespace animate::jobs {
namespace {

std::string settings_key(const ConnectionPool& pool) {
  return pool.options().key_prefix + "queue-config";
}

std::uint64_t field_value(const std::map<std::string, std::string>& fields, const char* name) {
  const auto found = fields.find(name);
  std::uint64_t value = 0;
  if (found == fields.end() ||
      std::from_chars(found->second.data(), found->second.data() + found->second.size(), value)
              .ec != std::errc()) {
    throw JobsError(StatusCode::kInvalidArgument,
                    std::string("published queue configuration lacks a valid ") + name);
  }
  return value;
}

}  // namespace

SharedQueueSettings SharedQueueSettings::of(const QueueConfig& config) {
  return {config.max_running_per_tenant, config.retention, config.max_events_per_job,
          config.blob_chunk_bytes};
}

QueueConfig SharedQueueSettings::applied_to(QueueConfig config) const {
  config.max_running_per_tenant = max_running_per_tenant;
  config.retention = retention;
  config.max_events_per_job = max_events_per_job;
  config.blob_chunk_bytes = blob_chunk_bytes;
  return config;
}

std::string SharedQueueSettings::describe() const {
  return "max_running_per_tenant=" + std::to_string(max_running_per_tenant) +
         " retention_ms=" + std::to_string(retention.count()) +
         " max_events_per_job=" + std::to_string(max_events_per_job) +
         " blob_chunk_bytes=" + std::to_string(blob_chunk_bytes);
}

void publish_shared_settings(ConnectionPool& pool, const SharedQueueSettings& settings) {
  auto connection = pool.acquire();
  connection->command({"HSET", settings_key(pool), "max_running_per_tenant",
                       std::to_string(settings.max_running_per_tenant), "retention_ms",
                       std::to_string(settings.retention.count()), "max_events_per_job",
                       std::to_string(settings.max_events_per_job), "blob_chunk_bytes",
                       std::to_string(settings.blob_chunk_bytes)});
}

std::optional<SharedQueueSettings> read_shared_settings(ConnectionPool& pool) {
  auto connection = pool.acquire();
  const RedisReply reply = connection->command({"HGETALL", settings_key(pool)});
  detail::throw_if_error(reply);
  if (reply.size() == 0) return std::nullopt;
  std::map<std::string, std::string> fields;
  for (auto& [name, value] : detail::to_fields(reply.get())) fields.emplace(name, value);
  SharedQueueSettings settings;
  settings.max_running_per_tenant = field_value(fields, "max_running_per_tenant");
  settings.retention = std::chrono::milliseconds(field_value(fields, "retention_ms"));
  settings.max_events_per_job = field_value(fields, "max_events_per_job");
  settings.blob_chunk_bytes = field_value(fields, "blob_chunk_bytes");
  if (settings.blob_chunk_bytes == 0) {
    throw JobsError(StatusCode::kInvalidArgument,
                    "published queue configuration has blob_chunk_bytes 0");
  }
  return settings;
}

}  // namespace animate::jobs
