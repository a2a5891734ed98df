// One blocking hiredis connection (RAII): connect/command timeouts, AUTH and
// SELECT on every (re)connect, binary-safe commands, pipelines.
//
// Failure policy: an I/O error or timeout throws JobsError(kUnavailable) and
// drops the socket; the next command reconnects. Commands are never retried
// here, because a command whose reply was lost may have run (callers that
// know a command is idempotent may retry it).
//
// Not thread-safe: one connection per thread, or borrow from a
// ConnectionPool.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "animate/jobs/redis_options.h"
#include "animate/jobs/redis_reply.h"

struct redisContext;

namespace animate::jobs {

using RedisArgs = std::vector<std::string>;

class RedisConnection {
 public:
  explicit RedisConnection(RedisOptions options);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Runs one command. Error replies are returned, not thrown (scripts use
  // them to report conditions); transport failures throw kUnavailable.
  RedisReply command(const RedisArgs& args);
  // Same, for a command that blocks server-side up to `block` (BLPOP, XREAD
  // BLOCK): the socket timeout is extended by that much for this call.
  RedisReply blocking_command(const RedisArgs& args, std::chrono::milliseconds block);
  // Sends all commands, then reads all replies (one round trip).
  std::vector<RedisReply> pipeline(const std::vector<RedisArgs>& commands);

  // Connects now if not connected (the constructor connects lazily).
  void ensure_connected();
  bool connected() const { return static_cast<bool>(context_); }
  const RedisOptions& options() const { return options_; }

 private:
  struct ContextDeleter {
    void operator()(redisContext* context) const;
  };
  void connect();
  void set_timeout(std::chrono::milliseconds timeout);
  [[noreturn]] void fail_transport(const std::string& what);

  RedisOptions options_;
  std::unique_ptr<redisContext, ContextDeleter> context_;
};

}  // namespace animate::jobs
