// Crash safety of the queue itself: Redis killed with -9 mid-queue and
// restarted on the same AOF loses no accepted job, and the library
// reconnects (and reloads its scripts) on its own.
#include <set>

#include "animate/jobs/persistence.h"
#include "jobs_fixture.h"

namespace animate::jobs::testing {
namespace {

TEST_F(JobsTest, RedisCrashWithAofLosesNoAcceptedJob) {
  {
    RedisConnection connection(options_);
    const auto persistence = query_persistence(connection);
    ASSERT_TRUE(persistence);
    EXPECT_TRUE(persistence->durable());
    EXPECT_EQ(persistence->appendfsync, "always");
  }
  std::vector<std::string> accepted;
  for (int i = 0; i < 20; ++i) {
    NewJob job = new_job(i % 4);
    job.idempotency_key = "k" + std::to_string(i);
    accepted.push_back(queue_->enqueue(job).job.id);
  }
  std::vector<Lease> running;
  for (int i = 0; i < 5; ++i) running.push_back(*queue_->claim(worker("w")));
  queue_->succeed(running[0], ResultInfo{});

  server_->crash_and_restart();

  // The first command on each pooled connection may see the dead socket.
  EXPECT_EQ(retrying([&] { return queue_->queue_length(); }), 15u);
  EXPECT_EQ(retrying([&] { return queue_->running_count(); }), 4u);
  for (const auto& id : accepted) {
    const auto job = retrying([&] { return queue_->find(id); });
    ASSERT_TRUE(job) << id;
  }
  EXPECT_EQ(queue_->get(running[0].job_id).state, JobState::kSucceeded);
  const TenantCounters counters = queue_->tenant_counters("default");
  EXPECT_EQ(counters.queued, 15u);
  EXPECT_EQ(counters.running, 4u);

  // Holders of leases carry on after the restart (scripts reload by
  // themselves), idempotency keys survived, and the rest is claimable.
  EXPECT_NO_THROW(retrying([&] { return queue_->heartbeat(running[1]); }));
  NewJob repeat = new_job(7 % 4);  // exactly the request accepted before
  repeat.idempotency_key = "k7";
  EXPECT_TRUE(queue_->enqueue(repeat).existing);
  std::set<std::string> claimed;
  while (auto lease = retrying([&] { return queue_->claim(worker("after")); })) {
    claimed.insert(lease->job_id);
  }
  EXPECT_EQ(claimed.size(), 15u);
}

}  // namespace
}  // namespace animate::jobs::testing
