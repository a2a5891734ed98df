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
