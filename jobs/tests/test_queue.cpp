// Enqueue, priorities, claim/ack, idempotency, bounds, quotas, cancel,
// delete, listing.
#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

#include "jobs_fixture.h"

namespace animate::jobs::testing {
namespace {

using std::chrono::milliseconds;

ResultInfo result_of_size(std::uint64_t size) {
  ResultInfo r;
  r.size_bytes = size;
  r.sha256 = JobsTest::fake_sha(99);
  return r;
}

TEST_F(JobsTest, EnqueueClaimAckFollowsPriority) {
  const auto low = queue_->enqueue(new_job(0));
  const auto high = queue_->enqueue(new_job(10));
  const auto mid = queue_->enqueue(new_job(5));
  EXPECT_FALSE(low.existing);
  EXPECT_EQ(low.job.state, JobState::kQueued);
  EXPECT_EQ(queue_->queue_position(high.job.id), 1u);
  EXPECT_EQ(queue_->queue_position(mid.job.id), 2u);
  EXPECT_EQ(queue_->queue_position(low.job.id), 3u);
  EXPECT_EQ(queue_->queue_length(), 3u);

  std::vector<std::string> order;
  for (int i = 0; i < 3; ++i) {
    auto lease = queue_->claim(worker("w1"));
    ASSERT_TRUE(lease);
    EXPECT_EQ(lease->attempt, 1u);
    EXPECT_EQ(lease->job.state, JobState::kRunning);
    EXPECT_EQ(queue_->queue_position(lease->job_id), 0u);
    queue_->succeed(*lease, result_of_size(0));  // ack
    order.push_back(lease->job_id);
  }
  EXPECT_EQ(order, (std::vector<std::string>{high.job.id, mid.job.id, low.job.id}));
  EXPECT_FALSE(queue_->claim(worker("w1")));
  const JobRecord done = queue_->get(low.job.id);
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_GT(done.end_ms, 0);
  EXPECT_EQ(queue_->running_count(), 0u);
}

TEST_F(JobsTest, AgingLetsOldLowPriorityJobsOvertake) {
  QueueConfig config;
  config.priority_aging = milliseconds(1);  // one point = 1 ms of waiting
  use(config);
  const auto old_low = queue_->enqueue(new_job(0));
  std::this_thread::sleep_for(milliseconds(60));
  const auto new_high = queue_->enqueue(new_job(20));  // worth 20 ms only
  EXPECT_EQ(queue_->claim(worker("w"))->job_id, old_low.job.id);
  EXPECT_EQ(queue_->claim(worker("w"))->job_id, new_high.job.id);
}

TEST_F(JobsTest, TwoConsumersNeverGetTheSameJob) {
  constexpr int kJobs = 40;
  for (int i = 0; i < kJobs; ++i) queue_->enqueue(new_job(i % 3));
  std::mutex mutex;
  std::vector<std::string> claimed;
  auto consume = [&](const std::string& name) {
    JobQueue queue(pool_, config_);  // each worker has its own queue object
    while (auto lease = queue.claim(worker(name))) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        claimed.push_back(lease->job_id);
      }
      queue.succeed(*lease, result_of_size(0));
    }
  };
  std::thread a(consume, "a");
  std::thread b(consume, "b");
  a.join();
  b.join();
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(),
            static_cast<std::size_t>(kJobs));
}

TEST_F(JobsTest, ClaimWaitsForNewWork) {
  std::thread producer([this] {
    std::this_thread::sleep_for(milliseconds(150));
    JobQueue queue(pool_, config_);
    queue.enqueue(new_job());
  });
  ClaimOptions options = worker("w");
  options.wait = std::chrono::seconds(5);
  const auto started = std::chrono::steady_clock::now();
  auto lease = queue_->claim(options);
  producer.join();
  ASSERT_TRUE(lease);
  // Woken by the enqueue, not by the 1 s poll.
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(900));
}

TEST_F(JobsTest, IdempotencyKeyReturnsTheSameJob) {
  NewJob job = new_job();
  job.idempotency_key = "request-1";
  const auto first = queue_->enqueue(job);
  const auto again = queue_->enqueue(job);
  EXPECT_TRUE(again.existing);
  EXPECT_EQ(again.job.id, first.job.id);
  EXPECT_EQ(queue_->queue_length(), 1u);

  NewJob different = job;
  different.params.steps = 20;
  const JobsError error =
      expect_jobs_error(StatusCode::kAlreadyExists, [&] { queue_->enqueue(different); });
  EXPECT_EQ(error.field(), "idempotency_key");

  // Keys are per tenant.
  NewJob other_tenant = job;
  other_tenant.tenant = "other";
  EXPECT_NE(queue_->enqueue(other_tenant).job.id, first.job.id);

  // Once the job is deleted the key is free again.
  queue_->cancel(first.job.id);
  queue_->remove(first.job.id);
  const auto fresh = queue_->enqueue(different);
  EXPECT_FALSE(fresh.existing);
}

TEST_F(JobsTest, BoundedQueueIsResourceExhausted) {
  QueueConfig config;
  config.max_queued_jobs = 3;
  config.retry_after = milliseconds(1234);
  use(config);
  for (int i = 0; i < 3; ++i) queue_->enqueue(new_job());
  const JobsError error =
      expect_jobs_error(StatusCode::kResourceExhausted, [&] { queue_->enqueue(new_job()); });
  EXPECT_EQ(error.retry_after(), milliseconds(1234));
  EXPECT_EQ(queue_->queue_length(), 3u);
  ASSERT_TRUE(queue_->claim(worker("w")));  // running jobs do not count
  EXPECT_NO_THROW(queue_->enqueue(new_job()));
}

TEST_F(JobsTest, TenantCountersAndQuotas) {
  QueueConfig config;
  config.max_queued_per_tenant = 2;
  config.max_running_per_tenant = 1;
  use(config);
  const auto a1 = queue_->enqueue(new_job(10, "a"));
  queue_->enqueue(new_job(10, "a"));
  expect_jobs_error(StatusCode::kResourceExhausted, [&] { queue_->enqueue(new_job(0, "a")); });
  const auto b1 = queue_->enqueue(new_job(0, "b"));
  EXPECT_EQ(queue_->tenant_counters("a").queued, 2u);
  EXPECT_EQ(queue_->tenant_counters("b").queued, 1u);

  auto first = queue_->claim(worker("w1"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->job_id, a1.job.id);
  // Tenant a is at its running limit: its second job is skipped for b's.
  auto second = queue_->claim(worker("w2"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->job_id, b1.job.id);
  EXPECT_FALSE(queue_->claim(worker("w3")));
  EXPECT_EQ(queue_->tenant_counters("a").queued, 1u);
  EXPECT_EQ(queue_->tenant_counters("a").running, 1u);
  EXPECT_EQ(queue_->tenant_counters("b").running, 1u);

  queue_->succeed(*first, result_of_size(0));
  EXPECT_EQ(queue_->tenant_counters("a").running, 0u);
  EXPECT_TRUE(queue_->claim(worker("w3")));
  EXPECT_EQ(queue_->tenant_counters("a").running, 1u);
  EXPECT_EQ(queue_->tenant_counters("a").queued, 0u);
}

TEST_F(JobsTest, MissingOrMistypedAssetsAreRejected) {
  NewJob job = new_job();
  job.params.pose_video_asset_id = "posevid_" + fake_sha(77);
  const JobsError missing = expect_jobs_error(StatusCode::kNotFound, [&] { queue_->enqueue(job); });
  EXPECT_EQ(missing.field(), "params.pose_video_asset_id");
  job.params.pose_video_asset_id = image_id_;  // an image in the video slot
  const JobsError mistyped =
      expect_jobs_error(StatusCode::kInvalidArgument, [&] { queue_->enqueue(job); });
  EXPECT_EQ(mistyped.field(), "params.pose_video_asset_id");
  EXPECT_EQ(queue_->queue_length(), 0u);
}

TEST_F(JobsTest, CancelQueuedJobEndsAtOnce) {
  const auto job = queue_->enqueue(new_job());
  const JobRecord cancelled = queue_->cancel(job.job.id);
  EXPECT_EQ(cancelled.state, JobState::kCancelled);
  ASSERT_TRUE(cancelled.error);
  EXPECT_EQ(cancelled.error->code, StatusCode::kCancelled);
  EXPECT_FALSE(queue_->claim(worker("w")));
  EXPECT_EQ(queue_->tenant_counters("default").queued, 0u);
  // Cancelling again is a no-op.
  EXPECT_EQ(queue_->cancel(job.job.id).state, JobState::kCancelled);
  expect_jobs_error(StatusCode::kNotFound, [&] { queue_->cancel(new_job_id()); });
}

TEST_F(JobsTest, CancelRunningJobIsSeenByTheHolder) {
  const auto job = queue_->enqueue(new_job());
  auto lease = queue_->claim(worker("w"));
  ASSERT_TRUE(lease);
  EXPECT_FALSE(queue_->heartbeat(*lease).cancel_requested);

  const JobRecord after = queue_->cancel(job.job.id);
  EXPECT_EQ(after.state, JobState::kRunning);
  EXPECT_TRUE(after.cancel_requested);
  EXPECT_TRUE(queue_->cancel_requested(job.job.id));
  EXPECT_TRUE(queue_->heartbeat(*lease).cancel_requested);
  Progress progress;
  progress.stage = Stage::kDenoising;
  progress.step = 3;
  EXPECT_TRUE(queue_->report_progress(*lease, progress).cancel_requested);

  queue_->mark_cancelled(*lease);
  const JobRecord final_state = queue_->get(job.job.id);
  EXPECT_EQ(final_state.state, JobState::kCancelled);
  EXPECT_EQ(queue_->tenant_counters("default").running, 0u);
  expect_jobs_error(StatusCode::kAborted, [&] { queue_->heartbeat(*lease); });
}

TEST_F(JobsTest, DeleteNeedsAFinishedJobAndRemovesEverything) {
  const auto job = queue_->enqueue(new_job());
  expect_jobs_error(StatusCode::kFailedPrecondition, [&] { queue_->remove(job.job.id); });
  auto lease = queue_->claim(worker("w"));
  ASSERT_TRUE(lease);
  queue_->append_result(*lease, "mp4 bytes", true);
  expect_jobs_error(StatusCode::kFailedPrecondition, [&] { queue_->remove(job.job.id); });
  queue_->succeed(*lease, result_of_size(9));

  queue_->remove(job.job.id);
  expect_jobs_error(StatusCode::kNotFound, [&] { queue_->get(job.job.id); });
  expect_jobs_error(StatusCode::kNotFound, [&] { events_->read(job.job.id, 0); });
  EXPECT_FALSE(blobs_->info(result_blob_id(job.job.id)));
  EXPECT_TRUE(queue_->list("default", std::nullopt, 10).jobs.empty());
  expect_jobs_error(StatusCode::kNotFound, [&] { queue_->remove(job.job.id); });
  expect_jobs_error(StatusCode::kInvalidArgument, [&] { queue_->remove("../etc"); });
}

TEST_F(JobsTest, ListPagesNewestFirstWithStateFilter) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    ids.push_back(queue_->enqueue(new_job()).job.id);
    std::this_thread::sleep_for(milliseconds(2));  // distinct creation times
  }
  queue_->cancel(ids[1]);
  queue_->cancel(ids[4]);
  queue_->enqueue(new_job(0, "someone-else"));

  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    JobPage page = queue_->list("default", std::nullopt, 3, token);
    for (const auto& job : page.jobs) seen.push_back(job.id);
    token = page.next_page_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  std::vector<std::string> newest_first(ids.rbegin(), ids.rend());
  EXPECT_EQ(seen, newest_first);

  const JobPage cancelled = queue_->list("default", JobState::kCancelled, 10);
  ASSERT_EQ(cancelled.jobs.size(), 2u);
  EXPECT_EQ(cancelled.jobs[0].id, ids[4]);
  EXPECT_EQ(cancelled.jobs[1].id, ids[1]);
  EXPECT_EQ(queue_->list("default", JobState::kQueued, 10).jobs.size(), 5u);
  EXPECT_EQ(queue_->list("someone-else", std::nullopt, 10).jobs.size(), 1u);
}

TEST_F(JobsTest, QueueDeadlineFailsWaitingJobs) {
  NewJob job = new_job();
  job.max_queue_time = milliseconds(100);
  const auto queued = queue_->enqueue(job);
  EXPECT_GT(queued.job.queue_deadline_ms, queued.job.create_ms);
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(queue_->maintain().deadline_failed, 1u);
  const JobRecord failed = queue_->get(queued.job.id);
  EXPECT_EQ(failed.state, JobState::kFailed);
  ASSERT_TRUE(failed.error);
  EXPECT_EQ(failed.error->code, StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(queue_->claim(worker("w")));
}

TEST_F(JobsTest, RunDeadlineFailsTheJobAndRevokesTheLease) {
  NewJob job = new_job();
  job.max_run_time = milliseconds(100);
  queue_->enqueue(job);
  auto lease = queue_->claim(worker("w"));
  ASSERT_TRUE(lease);
  EXPECT_GT(lease->job.run_deadline_ms, 0);
  std::this_thread::sleep_for(milliseconds(200));
  queue_->maintain();
  const JobRecord failed = queue_->get(lease->job_id);
  EXPECT_EQ(failed.state, JobState::kFailed);
  EXPECT_EQ(failed.error->code, StatusCode::kDeadlineExceeded);
  expect_jobs_error(StatusCode::kAborted, [&] { queue_->report_progress(*lease, Progress{}); });
}

}  // namespace
}  // namespace animate::jobs::testing

namespace animate::jobs::testing {
namespace {

// Claims share the workers between tenants: a tenant with a long backlog
// cannot hide another tenant's job behind it (the claim used to take the
// queue's head, so B waited for all of A's jobs).
TEST_F(JobsTest, ClaimsAreFairAcrossTenants) {
  QueueConfig config;
  config.claim_scan = 8;
  use(config);
  for (int i = 0; i < 50; ++i) queue_->enqueue(new_job(0, "tenant-a"));
  auto first = queue_->claim(worker("w1"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->job.tenant, "tenant-a");
  const auto b = queue_->enqueue(new_job(0, "tenant-b"));
  auto second = queue_->claim(worker("w2"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->job_id, b.job.id) << "tenant-b is served next, not after tenant-a's 49";
  // With both tenants running one job, queue order decides again.
  auto third = queue_->claim(worker("w3"));
  ASSERT_TRUE(third);
  EXPECT_EQ(third->job.tenant, "tenant-a");
  EXPECT_EQ(queue_->queue_length(), 48u);
}

}  // namespace
}  // namespace animate::jobs::testing
