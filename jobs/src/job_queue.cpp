#include "animate/jobs/job_queue.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <thread>

#include "animate/jobs/asset_store.h"
#include "animate/jobs/jobs_error.h"
#include "field_codec.h"
#include "reply_errors.h"
#include "script_set.h"

namespace animate::jobs {
namespace {

using std::chrono::milliseconds;

std::string ms_arg(milliseconds ms) {
  return std::to_string(ms.count());
}

void check_job_id(const std::string& id) {
  if (!is_valid_job_id(id)) {
    throw JobsError(StatusCode::kInvalidArgument, "malformed job id '" + id + "'", "job_id");
  }
}

// Each asset slot takes one kind: the id carries it, so a pose video cannot
// be passed as the reference image.
void check_assets(const JobParams& params) {
  const std::pair<const std::string*, AssetKind> slots[] = {
      {&params.reference_image_asset_id, AssetKind::kReferenceImage},
      {&params.pose_video_asset_id, AssetKind::kPoseVideo},
      {&params.reference_pose_asset_id, AssetKind::kReferencePoseImage},
  };
  const auto assets = referenced_assets(params);
  for (const auto& [id, field] : assets) {
    if (id.empty()) throw JobsError(StatusCode::kInvalidArgument, field + " is required", field);
    if (!is_valid_asset_id(id)) {
      throw JobsError(StatusCode::kInvalidArgument, "malformed asset id '" + id + "'", field);
    }
  }
  for (const auto& [id, kind] : slots) {
    if (id->empty()) continue;
    const std::string prefix = std::string(asset_kind_tag(kind)) + "_";
    if (id->compare(0, prefix.size(), prefix) != 0) {
      const std::string field = kind == AssetKind::kReferenceImage
                                    ? "params.reference_image_asset_id"
                                : kind == AssetKind::kPoseVideo ? "params.pose_video_asset_id"
                                                                : "params.reference_pose_asset_id";
      throw JobsError(StatusCode::kInvalidArgument,
                      "asset " + *id + " is not of kind " + std::string(asset_kind_tag(kind)),
                      field);
    }
  }
}

// Canonical text of everything that makes two create requests "the same".
std::string fingerprint_source(const NewJob& job, milliseconds max_queue, milliseconds max_run) {
  std::string text = "tenant=" + job.tenant + "\npriority=" + std::to_string(job.priority) +
                     "\nmax_queue_ms=" + ms_arg(max_queue) + "\nmax_run_ms=" + ms_arg(max_run);
  for (const auto& [name, value] : encode_job_params(job.params)) {
    // Length-prefixed: values (prompts) may contain any byte.
    text += "\n" + name + ":" + std::to_string(value.size()) + ":" + value;
  }
  return text;
}

JobRecord record_from(const redisReply* hash) {
  return decode_job_record(detail::to_fields(hash));
}

Lease lease_from(const RedisReply& reply, const std::string& token, const ClaimOptions& options) {
  Lease lease;
  lease.job_id = std::string(reply_str(reply.element(0)));
  lease.token = token;
  lease.worker_id = options.worker_id;
  lease.attempt = static_cast<std::uint32_t>(reply_integer(reply.element(1)));
  lease.duration = options.lease;
  lease.expires_ms = reply_integer(reply.element(2));
  lease.job = record_from(reply.element(3));
  return lease;
}

LeaseStatus lease_status_from(const RedisReply& reply) {
  return LeaseStatus{reply_integer(reply.element(0)) != 0, reply_integer(reply.element(1))};
}

}  // namespace

JobQueue::JobQueue(std::shared_ptr<ConnectionPool> pool, QueueConfig config)
    : pool_(std::move(pool)),
      config_(config),
      scripts_(std::make_unique<ScriptSet>(pool_->options().key_prefix, config_)) {}

JobQueue::~JobQueue() = default;

EnqueueResult JobQueue::enqueue(const NewJob& job) {
  if (!is_valid_tenant(job.tenant)) {
    throw JobsError(StatusCode::kInvalidArgument, "malformed tenant '" + job.tenant + "'",
                    "tenant");
  }
  if (job.priority < config_.min_priority || job.priority > config_.max_priority) {
    throw JobsError(StatusCode::kInvalidArgument,
                    "priority must be in [" + std::to_string(config_.min_priority) + ", " +
                        std::to_string(config_.max_priority) + "]",
                    "priority");
  }
  if (job.idempotency_key.size() > 256) {
    throw JobsError(StatusCode::kInvalidArgument, "idempotency key longer than 256 bytes",
                    "idempotency_key");
  }
  check_assets(job.params);

  const milliseconds max_queue =
      job.max_queue_time.count() > 0 ? job.max_queue_time : config_.default_max_queue_time;
  const milliseconds max_run =
      job.max_run_time.count() > 0 ? job.max_run_time : config_.default_max_run_time;
  // Inputs must outlive the job: its queue time, every attempt, and a margin.
  const milliseconds unbounded = std::chrono::hours(24);
  const milliseconds asset_min_ttl = std::max(
      config_.asset_ttl, (max_queue.count() > 0 ? max_queue : unbounded) +
                             (max_run.count() > 0 ? max_run : unbounded) * config_.max_attempts +
                             std::chrono::hours(1));
  // Kept in the script's argument list for its layout; the key itself now
  // lives as long as its job (enqueue.lua, finish() in prelude.lua).
  const milliseconds idem_ttl{0};

  RedisArgs args{new_job_id(),
                 job.tenant,
                 job.idempotency_key,
                 ms_arg(idem_ttl),
                 fingerprint_source(job, max_queue, max_run),
                 std::to_string(job.priority),
                 ms_arg(config_.priority_aging),
                 std::to_string(config_.max_queued_jobs),
                 std::to_string(config_.max_queued_per_tenant),
                 std::to_string(std::max<std::uint32_t>(1, config_.max_attempts)),
                 ms_arg(max_queue),
                 ms_arg(max_run),
                 ms_arg(asset_min_ttl)};
  const auto assets = referenced_assets(job.params);
  args.push_back(std::to_string(assets.size()));
  for (const auto& [id, field] : assets) {
    args.push_back(id);
    args.push_back(field);
  }
  const Fields fields = encode_job_params(job.params);
  args.push_back(std::to_string(fields.size()));
  for (const auto& [name, value] : fields) {
    args.push_back(name);
    args.push_back(value);
  }

  auto connection = pool_->acquire();
  RedisReply reply = scripts_->run(*connection, Script::kEnqueue, args, config_.retry_after);
  EnqueueResult result;
  result.existing = reply_str(reply.element(0)) == "existing";
  result.job = record_from(reply.element(1));
  result.queue_position = static_cast<std::uint64_t>(reply_integer(reply.element(2)));
  return result;
}

std::optional<JobRecord> JobQueue::find(const std::string& job_id) {
  check_job_id(job_id);
  auto connection = pool_->acquire();
  RedisReply reply = connection->command({"HGETALL", scripts_->prefix() + "job:" + job_id});
  detail::throw_if_error(reply);
  if (reply.size() == 0) return std::nullopt;
  return record_from(reply.get());
}

JobRecord JobQueue::get(const std::string& job_id) {
  auto job = find(job_id);
  if (!job) throw JobsError(StatusCode::kNotFound, "job " + job_id + " not found", "job_id");
  return std::move(*job);
}

std::uint64_t JobQueue::queue_position(const std::string& job_id) {
  check_job_id(job_id);
  auto connection = pool_->acquire();
  RedisReply reply = connection->command({"ZRANK", scripts_->prefix() + "queue", job_id});
  detail::throw_if_error(reply);
  return reply.is_nil() ? 0 : static_cast<std::uint64_t>(reply.integer()) + 1;
}

std::uint64_t JobQueue::queue_length() {
  auto connection = pool_->acquire();
  RedisReply reply = connection->command({"ZCARD", scripts_->prefix() + "queue"});
  detail::throw_if_error(reply);
  return static_cast<std::uint64_t>(reply.integer());
}

std::uint64_t JobQueue::running_count() {
  auto connection = pool_->acquire();
  RedisReply reply = connection->command({"ZCARD", scripts_->prefix() + "leases"});
  detail::throw_if_error(reply);
  return static_cast<std::uint64_t>(reply.integer());
}

TenantCounters JobQueue::tenant_counters(const std::string& tenant) {
  auto connection = pool_->acquire();
  RedisReply reply =
      connection->command({"HMGET", scripts_->prefix() + "tenant:" + tenant, "queued", "running"});
  detail::throw_if_error(reply);
  return TenantCounters{static_cast<std::uint64_t>(reply_integer(reply.element(0))),
                        static_cast<std::uint64_t>(reply_integer(reply.element(1)))};
}

JobPage JobQueue::list(const std::string& tenant, std::optional<JobState> state,
                       std::uint32_t page_size, const std::string& page_token) {
  if (!page_token.empty() && !is_valid_job_id(page_token)) {
    throw JobsError(StatusCode::kInvalidArgument, "malformed page token", "page_token");
  }
  const std::uint32_t size = std::clamp<std::uint32_t>(page_size, 1, 500);
  const std::string& prefix = scripts_->prefix();
  const std::string index =
      prefix + "index:" + tenant + ":" + (state ? std::string(to_string(*state)) : "all");
  auto connection = pool_->acquire();
  // Ids sort by creation time and all scores are 0: lexicographic ranges
  // page exactly, newest first, even while jobs are added.
  RedisReply ids =
      connection->command({"ZREVRANGEBYLEX", index, page_token.empty() ? "+" : "(" + page_token,
                           "-", "LIMIT", "0", std::to_string(size)});
  detail::throw_if_error(ids);

  std::vector<RedisArgs> reads;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    reads.push_back({"HGETALL", prefix + "job:" + std::string(reply_str(ids.element(i)))});
  }
  std::vector<RedisReply> hashes = connection->pipeline(reads);

  JobPage page;
  std::vector<RedisArgs> prune;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    detail::throw_if_error(hashes[i]);
    const std::string id(reply_str(ids.element(i)));
    if (hashes[i].size() == 0) {
      prune.push_back({"ZREM", index, id});  // expired job: drop its index entry
      continue;
    }
    JobRecord job = record_from(hashes[i].get());
    // The hash may have moved on since the index was read.
    if (state && job.state != *state) continue;
    page.jobs.push_back(std::move(job));
  }
  if (!prune.empty()) connection->pipeline(prune);
  if (ids.size() == size) page.next_page_token = std::string(reply_str(ids.element(size - 1)));
  return page;
}

JobRecord JobQueue::cancel(const std::string& job_id, const std::string& reason) {
  check_job_id(job_id);
  auto connection = pool_->acquire();
  RedisReply reply = scripts_->run(*connection, Script::kCancel, {job_id, reason});
  return record_from(reply.get());
}

void JobQueue::remove(const std::string& job_id) {
  check_job_id(job_id);
  auto connection = pool_->acquire();
  scripts_->run(*connection, Script::kRemove, {job_id});
}

MaintenanceReport JobQueue::maintain() {
  auto connection = pool_->acquire();
  RedisReply reply =
      scripts_->run(*connection, Script::kMaintain, {std::to_string(config_.maintenance_batch)});
  return MaintenanceReport{static_cast<std::uint32_t>(reply_integer(reply.element(0))),
                           static_cast<std::uint32_t>(reply_integer(reply.element(1))),
                           static_cast<std::uint32_t>(reply_integer(reply.element(2))),
                           static_cast<std::uint32_t>(reply_integer(reply.element(3)))};
}

std::vector<std::string> JobQueue::dead_letters(std::uint32_t limit) {
  auto connection = pool_->acquire();
  RedisReply reply = connection->command({"ZREVRANGE", scripts_->prefix() + "deadletter", "0",
                                          std::to_string(std::max<std::uint32_t>(limit, 1) - 1)});
  detail::throw_if_error(reply);
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < reply.size(); ++i) ids.emplace_back(reply_str(reply.element(i)));
  return ids;
}

std::optional<Lease> JobQueue::try_claim(const ClaimOptions& options) {
  const std::string token = new_token();
  auto connection = pool_->acquire();
  RedisReply reply = scripts_->run(
      *connection, Script::kClaim,
      {options.worker_id, token, ms_arg(options.lease),
       std::to_string(config_.max_running_per_tenant), std::to_string(config_.claim_scan),
       std::to_string(config_.maintenance_batch)});
  if (!reply.is_array()) return std::nullopt;  // Lua false arrives as nil
  return lease_from(reply, token, options);
}

std::optional<Lease> JobQueue::claim(const ClaimOptions& options) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + options.wait;
  for (;;) {
    if (auto lease = try_claim(options)) return lease;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock::now());
    if (left.count() <= 0) return std::nullopt;
    // Sleep until an enqueue pushes a wake token, or the poll interval ends
    // (other workers' expired leases are found by polling).
    const milliseconds block = std::max(milliseconds(1), std::min(left, options.poll_interval));
    auto connection = pool_->acquire();
    RedisReply reply = connection->blocking_command(
        {"BLPOP", scripts_->prefix() + "wake", detail::format_double(block.count() / 1000.0)},
        block);
    detail::throw_if_error(reply);
  }
}

LeaseStatus JobQueue::heartbeat(Lease& lease) {
  auto connection = pool_->acquire();
  RedisReply reply = scripts_->run(*connection, Script::kHeartbeat,
                                   {lease.job_id, lease.token, ms_arg(lease.duration)});
  LeaseStatus status = lease_status_from(reply);
  lease.expires_ms = status.expires_ms;
  return status;
}

LeaseStatus JobQueue::report_progress(Lease& lease, const Progress& p) {
  auto connection = pool_->acquire();
  RedisReply reply = scripts_->run(
      *connection, Script::kProgress,
      {lease.job_id, lease.token, ms_arg(lease.duration), std::string(to_string(p.stage)),
       std::to_string(p.step), std::to_string(p.total_steps), std::to_string(p.window),
       std::to_string(p.total_windows), detail::format_double(p.fraction)});
  LeaseStatus status = lease_status_from(reply);
  lease.expires_ms = status.expires_ms;
  return status;
}

std::uint64_t JobQueue::append_result(Lease& lease, const std::string& bytes, bool init_segment,
                                      std::optional<std::uint64_t> expected_offset) {
  auto connection = pool_->acquire();
  std::vector<std::string> args{lease.job_id, lease.token, ms_arg(lease.duration), bytes,
                                init_segment ? "1" : "0"};
  if (expected_offset) args.push_back(std::to_string(*expected_offset));
  RedisReply reply = scripts_->run(*connection, Script::kAppendResult, args);
  return static_cast<std::uint64_t>(reply.integer());
}

void JobQueue::succeed(const Lease& lease, const ResultInfo& r) {
  auto connection = pool_->acquire();
  scripts_->run(*connection, Script::kSucceed,
                {lease.job_id, lease.token, std::to_string(r.size_bytes), r.sha256, r.content_type,
                 std::to_string(r.width), std::to_string(r.height), std::to_string(r.frame_count),
                 detail::format_double(r.fps), std::to_string(r.duration_ms)});
}

void JobQueue::fail(const Lease& lease, const ErrorInfo& error) {
  auto connection = pool_->acquire();
  scripts_->run(*connection, Script::kFail,
                {lease.job_id, lease.token, "failed", std::to_string(static_cast<int>(error.code)),
                 error.message, error.field});
}

void JobQueue::mark_cancelled(const Lease& lease) {
  auto connection = pool_->acquire();
  scripts_->run(
      *connection, Script::kFail,
      {lease.job_id, lease.token, "cancelled",
       std::to_string(static_cast<int>(StatusCode::kCancelled)), "cancelled by the client", ""});
}

void JobQueue::release(const Lease& lease, const std::string& reason) {
  auto connection = pool_->acquire();
  scripts_->run(*connection, Script::kRelease, {lease.job_id, lease.token, reason});
}

bool JobQueue::cancel_requested(const std::string& job_id) {
  check_job_id(job_id);
  auto connection = pool_->acquire();
  RedisReply reply =
      connection->command({"HGET", scripts_->prefix() + "job:" + job_id, "cancel_requested"});
  detail::throw_if_error(reply);
  return reply.str() == "1";
}

}  // namespace animate::jobs
