// Event streams: replay from a sequence number, live waiting, bounded length
// with OUT_OF_RANGE past the retained window, result chunks, retention.
#include <thread>

#include "jobs_fixture.h"

namespace animate::jobs::testing {
namespace {

using std::chrono::milliseconds;

Progress step(std::uint32_t i, std::uint32_t n) {
  Progress p;
  p.stage = Stage::kDenoising;
  p.step = i;
  p.total_steps = n;
  p.window = 1;
  p.total_windows = 1;
  p.fraction = static_cast<double>(i) / n;
  return p;
}

TEST_F(JobsTest, EventsReplayFromAnySequence) {
  const auto job = queue_->enqueue(new_job());
  auto lease = queue_->claim(worker("w"));
  ASSERT_TRUE(lease);
  for (std::uint32_t i = 1; i <= 10; ++i) queue_->report_progress(*lease, step(i, 10));
  ResultInfo result;
  result.width = 480;
  result.height = 832;
  queue_->succeed(*lease, result);

  const EventBatch all = events_->read(job.job.id, 0);
  ASSERT_EQ(all.events.size(), 13u);  // queued, running, 10 steps, succeeded
  for (std::size_t i = 0; i < all.events.size(); ++i) {
    EXPECT_EQ(all.events[i].sequence, i + 1);
  }
  EXPECT_TRUE(all.finished);
  EXPECT_EQ(all.events[0].state, JobState::kQueued);
  EXPECT_EQ(all.events[1].state, JobState::kRunning);
  EXPECT_EQ(all.events[1].attempt, 1u);
  EXPECT_EQ(all.events[4].type, EventType::kProgress);
  EXPECT_EQ(all.events[4].progress.step, 3u);
  EXPECT_EQ(all.events[4].progress.stage, Stage::kDenoising);
  ASSERT_TRUE(all.events.back().result);
  EXPECT_EQ(all.events.back().result->height, 832u);

  // Resume after sequence 5: nothing lost, nothing repeated.
  const EventBatch rest = events_->read(job.job.id, 6, 4);
  ASSERT_EQ(rest.events.size(), 4u);
  EXPECT_EQ(rest.events.front().sequence, 6u);
  EXPECT_FALSE(rest.finished);
  EXPECT_EQ(queue_->get(job.job.id).last_sequence, 13u);
  EXPECT_TRUE(events_->read(job.job.id, 14, 10, milliseconds(50)).events.empty());
}

TEST_F(JobsTest, ReadWaitsForTheNextEvent) {
  const auto job = queue_->enqueue(new_job());
  std::thread worker_thread([this] {
    std::this_thread::sleep_for(milliseconds(150));
    JobQueue queue(pool_, config_);
    auto lease = queue.claim(worker("w"));
    queue.report_progress(*lease, step(1, 50));
  });
  const auto started = std::chrono::steady_clock::now();
  const EventBatch next = events_->read(job.job.id, 2, 10, std::chrono::seconds(5));
  worker_thread.join();
  ASSERT_FALSE(next.events.empty());
  EXPECT_EQ(next.events.front().sequence, 2u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST_F(JobsTest, EventStreamsAreBoundedAndSayWhenReplayIsGone) {
  QueueConfig config;
  config.max_events_per_job = 10;
  use(config);
  const auto job = queue_->enqueue(new_job());
  auto lease = queue_->claim(worker("w"));
  ASSERT_TRUE(lease);
  for (std::uint32_t i = 1; i <= 500; ++i) queue_->report_progress(*lease, step(i, 500));

  const std::int64_t length = raw({"XLEN", "animate:events:" + job.job.id}).integer();
  EXPECT_GE(length, 10);
  EXPECT_LT(length, 250);  // MAXLEN ~ trims whole nodes, so "about" 10
  const std::uint64_t first = events_->first_retained(job.job.id);
  EXPECT_GT(first, 1u);
  const JobsError error =
      expect_jobs_error(StatusCode::kOutOfRange, [&] { events_->read(job.job.id, 1); });
  EXPECT_EQ(error.field(), "from_sequence");
  const EventBatch from_first = events_->read(job.job.id, first, 1000);
  EXPECT_EQ(from_first.events.back().sequence, 502u);
  // 0 means "whatever is retained", never an error.
  EXPECT_EQ(events_->read(job.job.id, 0, 1).events.front().sequence, first);
}

// With the expected offset an append can be repeated after a lost reply
// without writing the bytes twice; a wrong offset is refused.
TEST_F(JobsTest, AppendsWithAnExpectedOffsetAreIdempotent) {
  const auto job = queue_->enqueue(new_job());
  auto lease = queue_->claim(worker("w"));
  ASSERT_TRUE(lease);
  EXPECT_EQ(queue_->append_result(*lease, std::string(10, 'i'), true, 0), 0u);
  EXPECT_EQ(queue_->append_result(*lease, "fragment", false, 10), 10u);
  EXPECT_EQ(queue_->append_result(*lease, "fragment", false, 10), 10u) << "a retry";
  const auto info = blobs_->info(result_blob_id(job.job.id));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, 18u);
  expect_jobs_error(StatusCode::kFailedPrecondition,
                    [&] { queue_->append_result(*lease, "more", false, 12); });
  EXPECT_EQ(queue_->append_result(*lease, "more", false, 18), 18u);
}

TEST_F(JobsTest, ResultChunksAreAnnouncedAndSealed) {
  QueueConfig config;
  config.blob_chunk_bytes = 16;
  config.retention = std::chrono::minutes(1);
  use(config);
  const auto job = queue_->enqueue(new_job());
  auto lease = queue_->claim(worker("w"));
  ASSERT_TRUE(lease);
  const std::string init(40, 'i');
  const std::string fragment1(25, 'a');
  const std::string fragment2(7, 'b');
  EXPECT_EQ(queue_->append_result(*lease, init, true), 0u);
  EXPECT_EQ(queue_->append_result(*lease, fragment1, false), 40u);
  EXPECT_EQ(queue_->append_result(*lease, fragment2, false), 65u);

  // A watcher can stream the bytes while the job runs.
  const std::string blob = result_blob_id(job.job.id);
  EXPECT_EQ(blobs_->read(blob, 40, 25), fragment1);

  ResultInfo wrong;
  wrong.size_bytes = 71;
  expect_jobs_error(StatusCode::kFailedPrecondition, [&] { queue_->succeed(*lease, wrong); });
  ResultInfo result;
  result.size_bytes = 72;
  result.sha256 = fake_sha(5);
  result.frame_count = 81;
  result.fps = 15;
  queue_->succeed(*lease, result);

  const JobRecord done = queue_->get(job.job.id);
  ASSERT_TRUE(done.result);
  EXPECT_EQ(done.result->size_bytes, 72u);
  EXPECT_EQ(done.result->frame_count, 81u);
  const auto info = blobs_->info(blob);
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->complete);
  EXPECT_EQ(info->sha256, fake_sha(5));
  EXPECT_EQ(blobs_->read(blob, 0, 1000), init + fragment1 + fragment2);

  std::vector<JobEvent> chunks;
  for (const auto& event : events_->read(job.job.id, 0).events) {
    if (event.type == EventType::kVideoChunk) chunks.push_back(event);
  }
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_TRUE(chunks[0].init_segment);
  EXPECT_EQ(chunks[1].chunk_offset, 40u);
  EXPECT_EQ(chunks[1].chunk_size, 25u);
  EXPECT_EQ(chunks[2].attempt, 1u);

  // Retention: job, events and every result chunk expire together.
  for (const std::string& key : {"animate:job:" + job.job.id, "animate:events:" + job.job.id,
                                 "animate:blob:" + blob, "animate:blob:" + blob + ":4"}) {
    const std::int64_t pttl = raw({"PTTL", key}).integer();
    EXPECT_GT(pttl, 0) << key;
    EXPECT_LE(pttl, 60000) << key;
  }
}

}  // namespace
}  // namespace animate::jobs::testing
