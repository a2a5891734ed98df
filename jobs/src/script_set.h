// The Lua scripts of the library (src/lua/*.lua, each prefixed with
// prelude.lua) and how to run them: EVALSHA, loading the script when Redis
// does not know it (first use, or after a Redis restart emptied its script
// cache). Error replies become JobsError.
#pragma once

#include <array>
#include <mutex>
#include <string>
#include <string_view>

#include "animate/jobs/queue_config.h"
#include "animate/jobs/redis_connection.h"

namespace animate::jobs {

enum class Script {
  kEnqueue,
  kClaim,
  kMaintain,
  kHeartbeat,
  kProgress,
  kAppendResult,
  kSucceed,
  kFail,
  kRelease,
  kCancel,
  kRemove,
  kBlobAppend,
  kBlobSeal,
  kBlobExpire,
  kBlobRemove,
  kAssetCommit,
  kCount,
};

class ScriptSet {
 public:
  ScriptSet(std::string key_prefix, const QueueConfig& config);

  // Runs a script with the common arguments (prefix, limits) prepended.
  // Throws JobsError for error replies (and kUnavailable for transport
  // failures); retry_after is attached to kResourceExhausted.
  RedisReply run(RedisConnection& connection, Script script, const RedisArgs& args,
                 std::chrono::milliseconds retry_after = std::chrono::milliseconds{0});

  const std::string& prefix() const { return prefix_; }

 private:
  struct Entry {
    std::string source;
    std::string sha;  // empty until loaded; guarded by mutex_
  };
  std::string load(RedisConnection& connection, Entry& entry);

  std::string prefix_;
  RedisArgs common_;
  std::array<Entry, static_cast<std::size_t>(Script::kCount)> entries_;
  std::mutex mutex_;
};

// Generated from src/lua/*.lua at configure time.
std::string_view lua_source(std::string_view name);

}  // namespace animate::jobs
