// Leases: expiry and reclaim by another worker, attempt counter, dead
// letter, heartbeats, fencing of a lost holder's writes, hand-back.
#include <thread>

#include "jobs_fixture.h"

namespace animate::jobs::testing {
namespace {

using std::chrono::milliseconds;

TEST_F(JobsTest, ExpiredLeaseIsReclaimedThenDeadLettered) {
  QueueConfig config;
  config.max_attempts = 2;
  use(config);
  const auto job = queue_->enqueue(new_job());

  auto first = queue_->claim(worker("crashing-1", milliseconds(200)));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->attempt, 1u);
  // Not expired yet: nobody else gets it.
  EXPECT_FALSE(queue_->claim(worker("other", milliseconds(200))));

  std::this_thread::sleep_for(milliseconds(300));  // worker 1 "crashed"
  auto second = queue_->claim(worker("crashing-2", milliseconds(200)));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->job_id, job.job.id);
  EXPECT_EQ(second->attempt, 2u);
  EXPECT_NE(second->token, first->token);

  // The first holder is fenced off: nothing it writes lands.
  expect_jobs_error(StatusCode::kAborted, [&] { queue_->heartbeat(*first); });
  expect_jobs_error(StatusCode::kAborted, [&] { queue_->append_result(*first, "stale", true); });
  expect_jobs_error(StatusCode::kAborted, [&] { queue_->succeed(*first, ResultInfo{}); });
  EXPECT_EQ(queue_->get(job.job.id).state, JobState::kRunning);

  std::this_thread::sleep_for(milliseconds(300));  // worker 2 "crashed" too
  const MaintenanceReport report = queue_->maintain();
  EXPECT_EQ(report.dead_lettered, 1u);
  const JobRecord failed = queue_->get(job.job.id);
  EXPECT_EQ(failed.state, JobState::kFailed);
  EXPECT_EQ(failed.attempt, 2u);
  ASSERT_TRUE(failed.error);
  EXPECT_EQ(failed.error->code, StatusCode::kAborted);
  EXPECT_NE(failed.error->message.find("crashing-2"), std::string::npos) << failed.error->message;
  EXPECT_NE(failed.error->message.find("dead-lettered"), std::string::npos);
  EXPECT_EQ(queue_->dead_letters(), std::vector<std::string>{job.job.id});
  EXPECT_FALSE(queue_->claim(worker("w3")));
  EXPECT_EQ(queue_->tenant_counters("default").running, 0u);
  EXPECT_EQ(queue_->running_count(), 0u);

  // The event stream tells the story.
  std::vector<std::string> reasons;
  for (const auto& event : events_->read(job.job.id, 0).events) reasons.push_back(event.reason);
  ASSERT_EQ(reasons.size(), 5u);  // queued, running, queued (retry), running, failed
  EXPECT_NE(reasons[2].find("lost"), std::string::npos) << reasons[2];
}

TEST_F(JobsTest, HeartbeatsKeepTheLease) {
  queue_->enqueue(new_job());
  auto lease = queue_->claim(worker("alive", milliseconds(300)));
  ASSERT_TRUE(lease);
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    const std::int64_t before = lease->expires_ms;
    queue_->heartbeat(*lease);
    EXPECT_GE(lease->expires_ms, before);
    EXPECT_FALSE(queue_->claim(worker("thief", milliseconds(300))));
  }
  EXPECT_EQ(queue_->maintain().requeued, 0u);
}

// A claim runs maintenance too: the lease expiry it handles is still
// reported, once, by the next maintain() (the server's metrics rely on it).
TEST_F(JobsTest, MaintenanceDoneByAClaimIsReportedOnce) {
  queue_->enqueue(new_job());
  auto lost = queue_->claim(worker("lost", milliseconds(150)));
  ASSERT_TRUE(lost);
  std::this_thread::sleep_for(milliseconds(250));
  auto second = queue_->claim(worker("next"));  // requeues, then claims it again
  ASSERT_TRUE(second);
  EXPECT_EQ(second->attempt, 2u);
  const MaintenanceReport report = queue_->maintain();
  EXPECT_EQ(report.requeued, 1u);
  EXPECT_EQ(report.lease_expirations(), 1u);
  EXPECT_EQ(queue_->maintain().lease_expirations(), 0u) << "reported once";
}

TEST_F(JobsTest, ReclaimedJobRestartsItsResult) {
  QueueConfig config;
  config.blob_chunk_bytes = 8;
  use(config);
  queue_->enqueue(new_job());
  auto first = queue_->claim(worker("w1", milliseconds(150)));
  ASSERT_TRUE(first);
  queue_->append_result(*first, "attempt one bytes", true);
  std::this_thread::sleep_for(milliseconds(250));
  EXPECT_EQ(queue_->maintain().requeued, 1u);
  EXPECT_EQ(queue_->get(first->job_id).state, JobState::kQueued);
  EXPECT_FALSE(blobs_->info(result_blob_id(first->job_id)));

  auto second = queue_->claim(worker("w2"));
  ASSERT_TRUE(second);
  EXPECT_EQ(queue_->append_result(*second, "two", true), 0u);
  EXPECT_EQ(blobs_->read(result_blob_id(second->job_id), 0, 100), "two");
}

TEST_F(JobsTest, ReleaseHandsBackWithoutUsingAnAttempt) {
  const auto job = queue_->enqueue(new_job());
  auto lease = queue_->claim(worker("draining"));
  ASSERT_TRUE(lease);
  queue_->release(*lease, "worker shutting down");
  const JobRecord back = queue_->get(job.job.id);
  EXPECT_EQ(back.state, JobState::kQueued);
  EXPECT_EQ(back.attempt, 0u);
  EXPECT_EQ(queue_->queue_position(job.job.id), 1u);
  expect_jobs_error(StatusCode::kAborted, [&] { queue_->heartbeat(*lease); });
  auto again = queue_->claim(worker("next"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->attempt, 1u);
}

TEST_F(JobsTest, FailRecordsTheError) {
  queue_->enqueue(new_job());
  auto lease = queue_->claim(worker("w"));
  ASSERT_TRUE(lease);
  queue_->fail(*lease, ErrorInfo{StatusCode::kInvalidArgument, "pose video has no frames",
                                 "params.pose_video_asset_id"});
  const JobRecord failed = queue_->get(lease->job_id);
  EXPECT_EQ(failed.state, JobState::kFailed);
  ASSERT_TRUE(failed.error);
  EXPECT_EQ(failed.error->code, StatusCode::kInvalidArgument);
  EXPECT_EQ(failed.error->field, "params.pose_video_asset_id");
  EXPECT_GT(failed.expire_ms, failed.end_ms);
}

}  // namespace
}  // namespace animate::jobs::testing

namespace animate::jobs::testing {
namespace {

using std::chrono::milliseconds;

// A retry of the same request must find its job for as long as the job can
// be found: the key used to expire `retention` after enqueue, however long
// the job then waited or ran, and a late retry created a second job.
TEST_F(JobsTest, IdempotencyKeysLiveAsLongAsTheirJob) {
  QueueConfig config;
  config.retention = milliseconds(300);
  use(config);
  NewJob job = new_job();
  job.idempotency_key = "request-1";
  const auto first = queue_->enqueue(job);
  std::this_thread::sleep_for(milliseconds(600));  // longer than the retention
  const auto retry = queue_->enqueue(job);
  EXPECT_TRUE(retry.existing);
  EXPECT_EQ(retry.job.id, first.job.id);
  // Once the job ends, the key follows the job's retention.
  auto lease = queue_->claim(worker("w"));
  ASSERT_TRUE(lease);
  ResultInfo result;
  result.sha256 = fake_sha(1);
  queue_->succeed(*lease, result);
  const auto ttl = raw({"PTTL", "animate:idem:default:request-1"}).integer();
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 300);
}

// A job put back in the queue (its worker was lost) gets its max queue time
// again; it used to lose its deadline and could wait forever.
TEST_F(JobsTest, ARequeuedJobKeepsAQueueDeadline) {
  NewJob job = new_job();
  job.max_queue_time = milliseconds(400);
  const auto created = queue_->enqueue(job);
  auto lease = queue_->claim(worker("lost", milliseconds(100)));
  ASSERT_TRUE(lease);
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(queue_->maintain().requeued, 1u);
  EXPECT_EQ(queue_->get(created.job.id).state, JobState::kQueued);
  std::this_thread::sleep_for(milliseconds(600));
  EXPECT_EQ(queue_->maintain().deadline_failed, 1u);
  EXPECT_EQ(queue_->get(created.job.id).state, JobState::kFailed);
}

// A claim (and a requeue) extends the inputs' lifetime to cover the run and
// the attempts left; it used to rely on the TTL set at enqueue alone.
TEST_F(JobsTest, AClaimKeepsTheInputsAlive) {
  const auto created = queue_->enqueue(new_job());
  const std::string meta = "animate:blob:asset:" + created.job.params.pose_video_asset_id;
  raw({"PEXPIRE", meta, "10000"});  // as if most of its lifetime had passed
  auto lease = queue_->claim(worker("w"));
  ASSERT_TRUE(lease);
  EXPECT_GT(raw({"PTTL", meta}).integer(), 3600 * 1000);
}

// A draining worker may hand a job back without using an attempt, but not
// forever: after 5 free hand-backs each one uses an attempt, and a job out
// of attempts ends FAILED.
TEST_F(JobsTest, HandingBackIsNotForever) {
  const auto created = queue_->enqueue(new_job());
  int hand_backs = 0;
  for (; hand_backs < 30; ++hand_backs) {
    auto lease = queue_->claim(worker("draining"));
    if (!lease) break;
    queue_->release(*lease, "draining");
  }
  const JobRecord record = queue_->get(created.job.id);
  EXPECT_EQ(record.state, JobState::kFailed);
  EXPECT_EQ(hand_backs, 5 + 3) << "5 free hand-backs, then the 3 attempts";
  ASSERT_TRUE(record.error);
  EXPECT_NE(record.error->message.find("handed back by draining workers 8 times"),
            std::string::npos)
      << record.error->message;
}

}  // namespace
}  // namespace animate::jobs::testing
