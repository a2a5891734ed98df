#include "animate/jobs/redis_connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <string>

#include "animate/jobs/jobs_error.h"

namespace animate::jobs {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
  return tv;
}

struct ArgvView {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  explicit ArgvView(const RedisArgs& args) {
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
  }
};

}  // namespace

void RedisConnection::ContextDeleter::operator()(redisContext* context) const {
  redisFree(context);
}

RedisConnection::RedisConnection(RedisOptions options) : options_(std::move(options)) {}

RedisConnection::~RedisConnection() = default;

void RedisConnection::ensure_connected() {
  if (!context_) connect();
}

void RedisConnection::connect() {
  context_.reset(redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                         to_timeval(options_.connect_timeout)));
  if (!context_) {
    throw JobsError(StatusCode::kUnavailable, "Redis: out of memory allocating a connection");
  }
  if (context_->err) {
    fail_transport("connect to " + options_.host + ":" + std::to_string(options_.port));
  }
  set_timeout(options_.command_timeout);
  redisEnableKeepAlive(context_.get());

  // AUTH / SELECT on every (re)connect, because a reconnect starts afresh.
  std::vector<RedisArgs> setup;
  if (!options_.password.empty()) setup.push_back({"AUTH", options_.password});
  if (options_.database != 0) setup.push_back({"SELECT", std::to_string(options_.database)});
  for (const auto& args : setup) {
    RedisReply reply = command(args);
    if (reply.is_error()) {
      const std::string text(reply.str());
      context_.reset();
      throw JobsError(StatusCode::kUnavailable, "Redis " + args[0] + " failed: " + text);
    }
  }
}

void RedisConnection::set_timeout(std::chrono::milliseconds timeout) {
  if (redisSetTimeout(context_.get(), to_timeval(timeout)) != REDIS_OK) {
    fail_transport("set socket timeout");
  }
}

void RedisConnection::fail_transport(const std::string& what) {
  std::string detail = context_ && context_->err ? context_->errstr : "connection lost";
  context_.reset();  // the next command reconnects
  throw JobsError(StatusCode::kUnavailable, "Redis " + what + ": " + detail);
}

RedisReply RedisConnection::command(const RedisArgs& args) {
  ensure_connected();
  ArgvView view(args);
  auto* raw = static_cast<redisReply*>(redisCommandArgv(
      context_.get(), static_cast<int>(view.argv.size()), view.argv.data(), view.lengths.data()));
  if (!raw) fail_transport(args.empty() ? "command" : args[0]);
  return RedisReply(raw);
}

RedisReply RedisConnection::blocking_command(const RedisArgs& args,
                                             std::chrono::milliseconds block) {
  ensure_connected();
  set_timeout(options_.command_timeout + block);
  RedisReply reply = command(args);  // on failure the context is gone anyway
  set_timeout(options_.command_timeout);
  return reply;
}

std::vector<RedisReply> RedisConnection::pipeline(const std::vector<RedisArgs>& commands) {
  ensure_connected();
  for (const auto& args : commands) {
    ArgvView view(args);
    if (redisAppendCommandArgv(context_.get(), static_cast<int>(view.argv.size()), view.argv.data(),
                               view.lengths.data()) != REDIS_OK) {
      fail_transport("pipeline");
    }
  }
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_.get(), &raw) != REDIS_OK || !raw) fail_transport("pipeline");
    replies.emplace_back(static_cast<redisReply*>(raw));
  }
  return replies;
}

}  // namespace animate::jobs
