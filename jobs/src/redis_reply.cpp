#include "animate/jobs/redis_reply.h"

#include <hiredis/hiredis.h>

#include <charconv>
#include <string>

#include "animate/jobs/jobs_error.h"

namespace animate::jobs {
namespace {

[[noreturn]] void unexpected(const redisReply* reply, const char* wanted) {
  throw JobsError(StatusCode::kInternal, std::string("unexpected Redis reply type ") +
                                             std::to_string(reply ? reply->type : -1) +
                                             ", wanted " + wanted);
}

}  // namespace

void RedisReply::Deleter::operator()(redisReply* reply) const {
  freeReplyObject(reply);
}

RedisReply::RedisReply(redisReply* reply) : reply_(reply) {}

bool RedisReply::is_nil() const {
  return reply_is_nil(reply_.get());
}
bool RedisReply::is_error() const {
  return reply_ && reply_->type == REDIS_REPLY_ERROR;
}
bool RedisReply::is_array() const {
  return reply_ && reply_->type == REDIS_REPLY_ARRAY;
}
bool RedisReply::is_string() const {
  return reply_ && (reply_->type == REDIS_REPLY_STRING || reply_->type == REDIS_REPLY_STATUS);
}
bool RedisReply::is_integer() const {
  return reply_ && reply_->type == REDIS_REPLY_INTEGER;
}

std::string_view RedisReply::str() const {
  return reply_str(reply_.get());
}
std::int64_t RedisReply::integer() const {
  return reply_integer(reply_.get());
}

std::size_t RedisReply::size() const {
  if (!reply_ || reply_->type == REDIS_REPLY_NIL) return 0;
  if (reply_->type != REDIS_REPLY_ARRAY) unexpected(reply_.get(), "array");
  return reply_->elements;
}

const redisReply* RedisReply::element(std::size_t i) const {
  if (i >= size()) throw JobsError(StatusCode::kInternal, "Redis reply index out of range");
  return reply_->element[i];
}

std::string_view reply_str(const redisReply* reply) {
  if (reply && (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS ||
                reply->type == REDIS_REPLY_ERROR)) {
    return {reply->str, reply->len};
  }
  if (reply_is_nil(reply)) return {};
  unexpected(reply, "string");
}

std::int64_t reply_integer(const redisReply* reply) {
  if (reply && reply->type == REDIS_REPLY_INTEGER) return reply->integer;
  if (reply && reply->type == REDIS_REPLY_STRING) {
    std::int64_t value = 0;
    auto [ptr, ec] = std::from_chars(reply->str, reply->str + reply->len, value);
    if (ec == std::errc{} && ptr == reply->str + reply->len) return value;
  }
  if (reply_is_nil(reply)) return 0;
  unexpected(reply, "integer");
}

bool reply_is_nil(const redisReply* reply) {
  return !reply || reply->type == REDIS_REPLY_NIL;
}

}  // namespace animate::jobs
