// Turning Redis replies into JobsError and plain field lists.
#pragma once

#include <chrono>

#include "animate/jobs/job_params.h"
#include "animate/jobs/redis_reply.h"

namespace animate::jobs::detail {

// Throws JobsError for an error reply: "<CODE> <field|-> <message>" from our
// scripts keeps its code; LOADING/BUSY/MASTERDOWN/READONLY (a restarting or
// failing-over Redis) are kUnavailable; OOM is kResourceExhausted; anything
// else is kInternal. retry_after is attached to kResourceExhausted.
void throw_if_error(const redisReply* reply,
                    std::chrono::milliseconds retry_after = std::chrono::milliseconds{0});
inline void throw_if_error(const RedisReply& reply,
                           std::chrono::milliseconds retry_after = std::chrono::milliseconds{0}) {
  throw_if_error(reply.get(), retry_after);
}

// A flat [name, value, name, value...] array reply (HGETALL, stream entry).
Fields to_fields(const redisReply* array);

}  // namespace animate::jobs::detail
