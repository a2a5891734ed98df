// Byte blobs in Redis, chunked so that no single value grows large and any
// byte range is cheap to read: meta hash "<prefix>blob:<id>" (size,
// chunk_size, complete, sha256, content_type, plus any extra fields of the
// owner) and chunk strings "<prefix>blob:<id>:<n>" of chunk_size bytes (the
// last one shorter). All keys of a blob share one TTL.
//
// Blob ids used by this library: "asset:<asset id>", "result:<job id>",
// "tmp:<token>" (uploads being written).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "animate/jobs/connection_pool.h"
#include "animate/jobs/job_params.h"
#include "animate/jobs/queue_config.h"

namespace animate::jobs {

class ScriptSet;

struct BlobInfo {
  std::uint64_t size = 0;
  std::uint64_t chunk_size = 0;
  bool complete = false;
  std::string sha256;
  std::string content_type;
  // Remaining lifetime; nullopt = no expiry.
  std::optional<std::chrono::milliseconds> ttl;
  Fields extra;  // the owner's fields (e.g. asset media info)
};

class BlobStore {
 public:
  BlobStore(std::shared_ptr<ConnectionPool> pool, QueueConfig config);
  ~BlobStore();
  BlobStore(const BlobStore&) = delete;
  BlobStore& operator=(const BlobStore&) = delete;

  std::optional<BlobInfo> info(const std::string& blob_id);

  // Up to max_bytes from offset (fewer at the end; empty at or past the
  // end). Throws kNotFound when the blob does not exist, kOutOfRange when
  // offset > size.
  std::string read(const std::string& blob_id, std::uint64_t offset, std::uint64_t max_bytes);

  // Appends to (creating) a blob and (re)sets the TTL of all its keys
  // (ttl 0 = none). Returns the offset of the appended bytes.
  std::uint64_t append(const std::string& blob_id, const std::string& bytes,
                       std::chrono::milliseconds ttl);

  // Marks complete with its hash and sets the TTL of all keys (0 = none).
  void seal(const std::string& blob_id, const std::string& sha256, const std::string& content_type,
            std::chrono::milliseconds ttl);

  // Sets the TTL of every key of the blob (0 = persist).
  void expire(const std::string& blob_id, std::chrono::milliseconds ttl);

  // Deletes every key of the blob; true when it existed.
  bool remove(const std::string& blob_id);

  std::shared_ptr<ConnectionPool> pool() const { return pool_; }
  const QueueConfig& config() const { return config_; }
  ScriptSet& scripts() { return *scripts_; }

 private:
  std::shared_ptr<ConnectionPool> pool_;
  QueueConfig config_;
  std::unique_ptr<ScriptSet> scripts_;
};

}  // namespace animate::jobs
