#include "script_set.h"

#include "animate/jobs/jobs_error.h"
#include "reply_errors.h"

namespace animate::jobs {
namespace {

constexpr std::array<std::string_view, static_cast<std::size_t>(Script::kCount)> kNames{
    "enqueue",   "claim",       "maintain",    "heartbeat",    "progress", "append_result",
    "succeed",   "fail",        "release",     "cancel",       "remove",   "blob_append",
    "blob_seal", "blob_expire", "blob_remove", "asset_commit",
};

}  // namespace

ScriptSet::ScriptSet(std::string key_prefix, const QueueConfig& config)
    : prefix_(std::move(key_prefix)) {
  common_ = {prefix_, std::to_string(config.max_events_per_job),
             std::to_string(config.retention.count()), std::to_string(config.blob_chunk_bytes)};
  const std::string prelude(lua_source("prelude"));
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    entries_[i].source = prelude + "\n" + std::string(lua_source(kNames[i]));
  }
}

std::string ScriptSet::load(RedisConnection& connection, Entry& entry) {
  RedisReply reply = connection.command({"SCRIPT", "LOAD", entry.source});
  detail::throw_if_error(reply);
  std::string sha(reply.str());
  std::lock_guard<std::mutex> lock(mutex_);
  entry.sha = sha;
  return sha;
}

RedisReply ScriptSet::run(RedisConnection& connection, Script script, const RedisArgs& args,
                          std::chrono::milliseconds retry_after) {
  Entry& entry = entries_[static_cast<std::size_t>(script)];
  std::string sha;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sha = entry.sha;
  }
  if (sha.empty()) sha = load(connection, entry);

  RedisArgs full;
  full.reserve(3 + common_.size() + args.size());
  full.insert(full.end(), {"EVALSHA", sha, "0"});
  full.insert(full.end(), common_.begin(), common_.end());
  full.insert(full.end(), args.begin(), args.end());

  RedisReply reply = connection.command(full);
  if (reply.is_error() && reply.str().substr(0, 8) == "NOSCRIPT") {
    // Redis restarted (or SCRIPT FLUSH): EVALSHA did not run, so retrying
    // after loading cannot run the script twice.
    full[1] = load(connection, entry);
    reply = connection.command(full);
  }
  detail::throw_if_error(reply, retry_after);
  return reply;
}

}  // namespace animate::jobs
