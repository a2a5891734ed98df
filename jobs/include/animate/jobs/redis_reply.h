// Owning handle of a hiredis reply, plus typed accessors that throw
// JobsError(kInternal) when Redis answers with an unexpected type.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct redisReply;

namespace animate::jobs {

class RedisReply {
 public:
  RedisReply() = default;
  // Takes ownership of a reply returned by hiredis (nullptr allowed).
  explicit RedisReply(redisReply* reply);

  bool is_nil() const;
  bool is_error() const;
  bool is_array() const;
  bool is_string() const;  // bulk or status string
  bool is_integer() const;

  std::string_view str() const;  // string, status or error text
  std::int64_t integer() const;  // integer, or a string holding one
  std::size_t size() const;      // array length (0 for nil)
  // Borrowed view of one array element; valid while this reply lives.
  const redisReply* element(std::size_t i) const;

  const redisReply* get() const { return reply_.get(); }

 private:
  struct Deleter {
    void operator()(redisReply* reply) const;
  };
  std::unique_ptr<redisReply, Deleter> reply_;
};

// Accessors for borrowed elements of an array reply.
std::string_view reply_str(const redisReply* reply);
std::int64_t reply_integer(const redisReply* reply);
bool reply_is_nil(const redisReply* reply);

}  // namespace animate::jobs
