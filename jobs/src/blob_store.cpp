#include "animate/jobs/blob_store.h"

#include <algorithm>

#include "animate/jobs/jobs_error.h"
#include "field_codec.h"
#include "reply_errors.h"
#include "script_set.h"

namespace animate::jobs {
namespace {

std::string ms_arg(std::chrono::milliseconds ms) {
  return std::to_string(ms.count());
}

bool is_layout_field(std::string_view name) {
  return name == "size" || name == "chunk_size" || name == "complete" || name == "sha256" ||
         name == "content_type";
}

}  // namespace

BlobStore::BlobStore(std::shared_ptr<ConnectionPool> pool, QueueConfig config)
    : pool_(std::move(pool)),
      config_(config),
      scripts_(std::make_unique<ScriptSet>(pool_->options().key_prefix, config_)) {}

BlobStore::~BlobStore() = default;

std::optional<BlobInfo> BlobStore::info(const std::string& blob_id) {
  const std::string meta = scripts_->prefix() + "blob:" + blob_id;
  auto connection = pool_->acquire();
  auto replies = connection->pipeline({{"HGETALL", meta}, {"PTTL", meta}});
  detail::throw_if_error(replies[0]);
  detail::throw_if_error(replies[1]);
  if (replies[0].size() == 0) return std::nullopt;
  BlobInfo info;
  for (auto& [name, value] : detail::to_fields(replies[0].get())) {
    if (name == "size")
      info.size = detail::parse_uint(value);
    else if (name == "chunk_size")
      info.chunk_size = detail::parse_uint(value);
    else if (name == "complete")
      info.complete = value == "1";
    else if (name == "sha256")
      info.sha256 = value;
    else if (name == "content_type")
      info.content_type = value;
    if (!is_layout_field(name)) info.extra.emplace_back(std::move(name), std::move(value));
  }
  const std::int64_t pttl = replies[1].integer();
  if (pttl >= 0) info.ttl = std::chrono::milliseconds(pttl);
  return info;
}

std::string BlobStore::read(const std::string& blob_id, std::uint64_t offset,
                            std::uint64_t max_bytes) {
  const std::string meta = scripts_->prefix() + "blob:" + blob_id;
  auto connection = pool_->acquire();
  RedisReply layout = connection->command({"HMGET", meta, "size", "chunk_size"});
  detail::throw_if_error(layout);
  if (reply_is_nil(layout.element(1))) {
    throw JobsError(StatusCode::kNotFound, "blob " + blob_id + " not found");
  }
  const auto size = static_cast<std::uint64_t>(reply_integer(layout.element(0)));
  const auto chunk = static_cast<std::uint64_t>(reply_integer(layout.element(1)));
  if (offset > size) {
    throw JobsError(StatusCode::kOutOfRange,
                    "offset " + std::to_string(offset) + " is past the end (" +
                        std::to_string(size) + " bytes)",
                    "offset");
  }
  const std::uint64_t end = offset + std::min(max_bytes, size - offset);
  if (end == offset || chunk == 0) return {};

  // One GETRANGE per chunk the range touches, in one round trip.
  std::vector<RedisArgs> reads;
  for (std::uint64_t index = offset / chunk; index * chunk < end; ++index) {
    const std::uint64_t chunk_start = index * chunk;
    const std::uint64_t from = std::max(offset, chunk_start) - chunk_start;
    const std::uint64_t to = std::min(end, chunk_start + chunk) - chunk_start - 1;
    reads.push_back(
        {"GETRANGE", meta + ":" + std::to_string(index), std::to_string(from), std::to_string(to)});
  }
  std::string data;
  data.reserve(end - offset);
  for (const auto& piece : connection->pipeline(reads)) {
    detail::throw_if_error(piece);
    data.append(piece.str());
  }
  if (data.size() != end - offset) {
    // A chunk expired or the blob was reset (retried job) under us.
    throw JobsError(StatusCode::kUnavailable, "blob " + blob_id + " changed while being read");
  }
  return data;
}

std::uint64_t BlobStore::append(const std::string& blob_id, const std::string& bytes,
                                std::chrono::milliseconds ttl) {
  auto connection = pool_->acquire();
  RedisReply reply = scripts_->run(*connection, Script::kBlobAppend, {blob_id, bytes, ms_arg(ttl)});
  return static_cast<std::uint64_t>(reply.integer());
}

void BlobStore::seal(const std::string& blob_id, const std::string& sha256,
                     const std::string& content_type, std::chrono::milliseconds ttl) {
  auto connection = pool_->acquire();
  scripts_->run(*connection, Script::kBlobSeal, {blob_id, sha256, content_type, ms_arg(ttl)});
}

void BlobStore::expire(const std::string& blob_id, std::chrono::milliseconds ttl) {
  auto connection = pool_->acquire();
  scripts_->run(*connection, Script::kBlobExpire, {blob_id, ms_arg(ttl), "set"});
}

bool BlobStore::remove(const std::string& blob_id) {
  auto connection = pool_->acquire();
  return scripts_->run(*connection, Script::kBlobRemove, {blob_id}).integer() == 1;
}

}  // namespace animate::jobs
