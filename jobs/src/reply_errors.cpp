#include "reply_errors.h"

#include <hiredis/hiredis.h>

#include <string>

#include "animate/jobs/jobs_error.h"

namespace animate::jobs::detail {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

void throw_if_error(const redisReply* reply, std::chrono::milliseconds retry_after) {
  if (!reply || reply->type != REDIS_REPLY_ERROR) return;
  std::string_view text(reply->str, reply->len);
  // Redis may decorate script errors ("ERR ... script: ..."): look for our
  // code as the first word.
  const auto first_space = text.find(' ');
  if (const auto code = parse_status_code(text.substr(0, first_space));
      code && first_space != std::string_view::npos) {
    std::string_view rest = text.substr(first_space + 1);
    const auto second_space = rest.find(' ');
    std::string field(rest.substr(0, second_space));
    if (field == "-") field.clear();
    std::string message(second_space == std::string_view::npos ? std::string_view{}
                                                               : rest.substr(second_space + 1));
    // Drop Redis's script location suffix, if it added one.
    if (const auto at = message.find(" script: "); at != std::string::npos) message.resize(at);
    throw JobsError(
        *code, message, std::move(field),
        *code == StatusCode::kResourceExhausted ? retry_after : std::chrono::milliseconds{0});
  }
  for (std::string_view transient : {"LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN"}) {
    if (starts_with(text, transient)) {
      throw JobsError(StatusCode::kUnavailable, "Redis: " + std::string(text));
    }
  }
  if (starts_with(text, "OOM")) {
    throw JobsError(StatusCode::kResourceExhausted, "Redis: " + std::string(text), {}, retry_after);
  }
  throw JobsError(StatusCode::kInternal, "Redis: " + std::string(text));
}

Fields to_fields(const redisReply* array) {
  Fields fields;
  if (!array || array->type != REDIS_REPLY_ARRAY) return fields;
  fields.reserve(array->elements / 2);
  for (std::size_t i = 0; i + 1 < array->elements; i += 2) {
    fields.emplace_back(std::string(reply_str(array->element[i])),
                        std::string(reply_str(array->element[i + 1])));
  }
  return fields;
}

}  // namespace animate::jobs::detail
