#include "animate/jobs/event_reader.h"

#include <hiredis/hiredis.h>

#include "animate/jobs/ids.h"
#include "animate/jobs/jobs_error.h"
#include "field_codec.h"
#include "reply_errors.h"

namespace animate::jobs {
namespace {

// Entry ids are "0-<sequence>".
std::uint64_t sequence_of(std::string_view entry_id) {
  const auto dash = entry_id.find('-');
  return detail::parse_uint(entry_id.substr(dash == std::string_view::npos ? 0 : dash + 1), 0);
}

// Appends the entries of an XRANGE-shaped reply ([[id, [f, v...]]...]).
void append_entries(const redisReply* entries, std::vector<JobEvent>& out) {
  if (!entries || entries->type != REDIS_REPLY_ARRAY) return;
  for (std::size_t i = 0; i < entries->elements; ++i) {
    const redisReply* entry = entries->element[i];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 2) continue;
    out.push_back(decode_job_event(sequence_of(reply_str(entry->element[0])),
                                   detail::to_fields(entry->element[1])));
  }
}

bool ends_job(const std::vector<JobEvent>& events) {
  return !events.empty() && events.back().type == EventType::kState &&
         is_terminal(events.back().state);
}

}  // namespace

EventReader::EventReader(std::shared_ptr<ConnectionPool> pool) : pool_(std::move(pool)) {}

EventBatch EventReader::read(const std::string& job_id, std::uint64_t from_sequence,
                             std::uint32_t max_count, std::chrono::milliseconds wait) {
  if (!is_valid_job_id(job_id)) {
    throw JobsError(StatusCode::kInvalidArgument, "malformed job id '" + job_id + "'", "job_id");
  }
  const std::string& prefix = pool_->options().key_prefix;
  const std::string stream = prefix + "events:" + job_id;
  const std::string count = std::to_string(std::max<std::uint32_t>(max_count, 1));
  const std::uint64_t from = std::max<std::uint64_t>(from_sequence, 1);

  EventBatch batch;
  {
    auto connection = pool_->acquire();
    auto replies = connection->pipeline({
        {"XRANGE", stream, "0-" + std::to_string(from), "+", "COUNT", count},
        {"EXISTS", prefix + "job:" + job_id},
    });
    detail::throw_if_error(replies[0]);
    detail::throw_if_error(replies[1]);
    if (replies[1].integer() == 0) {
      throw JobsError(StatusCode::kNotFound, "job " + job_id + " not found", "job_id");
    }
    append_entries(replies[0].get(), batch.events);
  }
  // Sequences have no holes: a first event later than asked for means the
  // ones in between were trimmed away.
  if (from_sequence > 0 && !batch.events.empty() && batch.events.front().sequence > from) {
    throw JobsError(StatusCode::kOutOfRange,
                    "events before " + std::to_string(batch.events.front().sequence) + " of job " +
                        job_id + " are no longer retained (asked from " +
                        std::to_string(from_sequence) + ")",
                    "from_sequence");
  }
  if (batch.events.empty() && wait.count() > 0) {
    auto connection = pool_->acquire();
    RedisReply reply = connection->blocking_command(
        {"XREAD", "COUNT", count, "BLOCK", std::to_string(wait.count()), "STREAMS", stream,
         "0-" + std::to_string(from - 1)},
        wait);
    detail::throw_if_error(reply);
    // [[stream, entries]] or nil on timeout.
    if (reply.is_array() && reply.size() > 0) {
      const redisReply* per_stream = reply.element(0);
      if (per_stream->type == REDIS_REPLY_ARRAY && per_stream->elements == 2) {
        append_entries(per_stream->element[1], batch.events);
      }
    }
  }
  batch.finished = ends_job(batch.events);
  return batch;
}

std::uint64_t EventReader::first_retained(const std::string& job_id) {
  if (!is_valid_job_id(job_id)) {
    throw JobsError(StatusCode::kInvalidArgument, "malformed job id '" + job_id + "'", "job_id");
  }
  auto connection = pool_->acquire();
  RedisReply reply = connection->command(
      {"XRANGE", pool_->options().key_prefix + "events:" + job_id, "-", "+", "COUNT", "1"});
  detail::throw_if_error(reply);
  std::vector<JobEvent> events;
  append_entries(reply.get(), events);
  return events.empty() ? 0 : events.front().sequence;
}

}  // namespace animate::jobs
