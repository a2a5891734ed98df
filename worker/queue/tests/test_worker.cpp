// The worker loop in-process against a private redis-server and the tiny
// model: a job enqueued with JobQueue + AssetStore runs to SUCCEEDED with
// progress and MP4 chunk events and a valid MP4 result; cancellation while
// running ends CANCELLED; a drain hands the running job back unspent; bad
// media fails with a precise reason.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "animate/common/sha256.h"
#include "animate/jobs/asset_store.h"
#include "animate/jobs/blob_store.h"
#include "animate/jobs/connection_pool.h"
#include "animate/jobs/event_reader.h"
#include "animate/jobs/job_queue.h"
#include "animate/jobs/redis_connection.h"
#include "media/ffmpeg_log.h"
#include "model/pipeline/animation_pipeline.h"
#include "redis_server.h"
#include "test_support.h"
#include "worker/queue/worker.h"
#include "worker/queue/worker_metrics.h"
#include "worker/runner/model_location.h"

namespace animate::worker {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

struct SampleBytes {
  std::string image;
  std::string pose;
  std::string reference_pose;
};

class WorkerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    media::set_ffmpeg_log_level(media::FfmpegLogLevel::kError);
    at::set_num_threads(2);
    ModelLocation location;
    location.model_root = testing::tiny_model_root();
    location.device = "cpu";
    pipeline_ = std::make_unique<pipeline::AnimationPipeline>(make_pipeline_config(location));
    TempDir dir;
    const auto files = testing::write_samples(dir.path(), 64, 9, 8);
    samples_ = std::make_unique<SampleBytes>();
    samples_->image = testing::read_file(files.reference_image);
    samples_->pose = testing::read_file(files.pose_video);
    samples_->reference_pose = testing::read_file(files.reference_pose);
  }
  static void TearDownTestSuite() {
    pipeline_.reset();
    samples_.reset();
  }

  void SetUp() override {
    redis_ = std::make_unique<jobs::testing::RedisServer>();
    jobs::RedisOptions options;
    options.port = redis_->port();
    pool_ = jobs::ConnectionPool::create(options);
    queue_ = std::make_unique<jobs::JobQueue>(pool_, jobs::QueueConfig{});
    blobs_ = std::make_unique<jobs::BlobStore>(pool_, jobs::QueueConfig{});
    assets_ = std::make_unique<jobs::AssetStore>(*blobs_);
    events_ = std::make_unique<jobs::EventReader>(pool_);
    metrics_ = std::make_unique<WorkerMetrics>();
  }

  std::string upload(jobs::AssetKind kind, const std::string& bytes, const char* type) {
    jobs::AssetInfo info;
    info.kind = kind;
    info.sha256 = common::sha256_hex(bytes);
    info.size_bytes = bytes.size();
    info.content_type = type;
    return assets_->put(info, bytes).asset.asset_id;
  }

  std::string enqueue(std::uint32_t steps, const std::string& pose_bytes) {
    jobs::NewJob job;
    job.params.reference_image_asset_id =
        upload(jobs::AssetKind::kReferenceImage, samples_->image, "image/png");
    job.params.pose_video_asset_id = upload(jobs::AssetKind::kPoseVideo, pose_bytes, "video/mp4");
    job.params.reference_pose_asset_id =
        upload(jobs::AssetKind::kReferencePoseImage, samples_->reference_pose, "image/png");
    job.params.width = 32;
    job.params.height = 32;
    job.params.frame_count = 9;
    job.params.steps = steps;
    return queue_->enqueue(job).job.id;
  }

  std::unique_ptr<Worker> make_worker() {
    WorkerOptions options;
    options.worker_id = "test-worker";
    options.lease = 10s;
    options.heartbeat_interval = 200ms;
    options.claim_wait = 200ms;
    options.x264_preset = "ultrafast";
    return std::make_unique<Worker>(*pipeline_, *queue_, *assets_, metrics_.get(), options);
  }

  std::vector<jobs::JobEvent> all_events(const std::string& job_id) {
    return events_->read(job_id, 0, 100000).events;
  }

  // Waits until the job has reported a denoise step (it is mid-run).
  void wait_until_denoising(const std::string& job_id) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      const jobs::JobRecord job = queue_->get(job_id);
      if (job.progress.stage == jobs::Stage::kDenoising && job.progress.step >= 1) return;
      std::this_thread::sleep_for(20ms);
    }
    FAIL() << "job " << job_id << " never reached a denoise step";
  }

  std::string metrics_text() const {
    return prometheus::TextSerializer().Serialize(metrics_->registry()->Collect());
  }

  static std::unique_ptr<pipeline::AnimationPipeline> pipeline_;
  static std::unique_ptr<SampleBytes> samples_;
  std::unique_ptr<jobs::testing::RedisServer> redis_;
  std::shared_ptr<jobs::ConnectionPool> pool_;
  std::unique_ptr<jobs::JobQueue> queue_;
  std::unique_ptr<jobs::BlobStore> blobs_;
  std::unique_ptr<jobs::AssetStore> assets_;
  std::unique_ptr<jobs::EventReader> events_;
  std::unique_ptr<WorkerMetrics> metrics_;
};

std::unique_ptr<pipeline::AnimationPipeline> WorkerTest::pipeline_;
std::unique_ptr<SampleBytes> WorkerTest::samples_;

TEST_F(WorkerTest, RunsAQueuedJobToSucceededWithProgressAndChunks) {
  const std::string job_id = enqueue(2, samples_->pose);
  auto worker = make_worker();
  ASSERT_TRUE(worker->run_once());
  EXPECT_EQ(worker->last_outcome(), JobOutcome::kSucceeded);

  const jobs::JobRecord job = queue_->get(job_id);
  ASSERT_EQ(job.state, jobs::JobState::kSucceeded) << (job.error ? job.error->message : "");
  ASSERT_TRUE(job.result.has_value());
  EXPECT_EQ(job.result->frame_count, 9U);
  EXPECT_EQ(job.result->width, 32U);
  EXPECT_EQ(job.result->height, 32U);
  EXPECT_DOUBLE_EQ(job.result->fps, 8.0);

  // Events: denoise progress per step, chunks (init first, contiguous), then the final state.
  const std::vector<jobs::JobEvent> events = all_events(job_id);
  std::vector<std::uint32_t> steps;
  std::uint64_t next_offset = 0;
  int chunks = 0;
  bool saw_decoding_before_first_chunk = false;
  bool saw_decoding = false;
  for (const auto& e : events) {
    if (e.type == jobs::EventType::kProgress) {
      if (e.progress.stage == jobs::Stage::kDenoising && e.progress.step > 0) {
        steps.push_back(e.progress.step);
      }
      if (e.progress.stage == jobs::Stage::kDecoding) saw_decoding = true;
    } else if (e.type == jobs::EventType::kVideoChunk) {
      if (chunks == 0) {
        EXPECT_TRUE(e.init_segment);
        saw_decoding_before_first_chunk = saw_decoding;
      }
      EXPECT_EQ(e.chunk_offset, next_offset);
      next_offset += e.chunk_size;
      ++chunks;
    }
  }
  EXPECT_EQ(steps, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_GE(chunks, 2);
  EXPECT_TRUE(saw_decoding_before_first_chunk);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, jobs::EventType::kState);
  EXPECT_EQ(events.back().state, jobs::JobState::kSucceeded);

  // The result blob is the whole MP4, with the advertised size and hash.
  const std::string mp4 = blobs_->read(jobs::result_blob_id(job_id), 0, 1 << 30);
  EXPECT_EQ(mp4.size(), job.result->size_bytes);
  EXPECT_EQ(mp4.size(), next_offset);
  EXPECT_EQ(common::sha256_hex(mp4), job.result->sha256);
  TempDir dir;
  testing::write_file(dir.path() / "result.mp4", mp4);
  const auto probed = testing::ffprobe(dir.path() / "result.mp4");
  EXPECT_TRUE(probed.ok) << probed.errors;
  EXPECT_EQ(probed.codec, "h264");
  EXPECT_EQ(probed.frames, 9);
  EXPECT_EQ(probed.width, 32);

  const std::string text = metrics_text();
  EXPECT_NE(text.find("animate_jobs_finished_total{state=\"succeeded\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("animate_denoise_step_seconds_count 2"), std::string::npos) << text;
  EXPECT_NE(text.find("animate_queue_wait_seconds_count 1"), std::string::npos) << text;
  EXPECT_NE(text.find("animate_stage_duration_seconds_count{stage=\"denoising\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("animate_jobs_running 0"), std::string::npos) << text;
}

TEST_F(WorkerTest, CancelWhileRunningEndsCancelledAtAStepBoundary) {
  const std::string job_id = enqueue(400, samples_->pose);
  auto worker = make_worker();
  std::thread run([&] { worker->run_once(); });
  wait_until_denoising(job_id);
  queue_->cancel(job_id);
  run.join();
  EXPECT_EQ(worker->last_outcome(), JobOutcome::kCancelled);
  const jobs::JobRecord job = queue_->get(job_id);
  EXPECT_EQ(job.state, jobs::JobState::kCancelled);
  EXPECT_LT(job.progress.step, 400U);
  EXPECT_NE(metrics_text().find("animate_jobs_finished_total{state=\"cancelled\"} 1"),
            std::string::npos);
}

TEST_F(WorkerTest, DrainHandsTheRunningJobBackWithoutUsingAnAttempt) {
  const std::string job_id = enqueue(400, samples_->pose);
  auto worker = make_worker();
  std::thread loop([&] { worker->run_until_stopped(); });
  wait_until_denoising(job_id);
  EXPECT_FALSE(worker->drain(100ms));  // too short: handed back
  loop.join();
  EXPECT_EQ(worker->last_outcome(), JobOutcome::kHandedBack);
  const jobs::JobRecord job = queue_->get(job_id);
  EXPECT_EQ(job.state, jobs::JobState::kQueued);
  EXPECT_EQ(job.attempt, 0U);
  EXPECT_EQ(queue_->queue_position(job_id), 1U);
  // A stopped worker claims nothing more.
  EXPECT_FALSE(worker->run_once());
}

TEST_F(WorkerTest, LostLeaseStopsTheRunWithoutTouchingTheJob) {
  const std::string job_id = enqueue(400, samples_->pose);
  auto worker = make_worker();
  std::thread run([&] { worker->run_once(); });
  wait_until_denoising(job_id);
  // What a reclaim by another worker looks like to this one: the job's lease
  // token is no longer ours, so every fenced write is refused.
  jobs::RedisOptions options;
  options.port = redis_->port();
  jobs::RedisConnection(options).command({"HSET", "animate:job:" + job_id, "lease_token", "x"});
  run.join();
  EXPECT_EQ(worker->last_outcome(), JobOutcome::kLeaseLost);
  const jobs::JobRecord job = queue_->get(job_id);
  EXPECT_EQ(job.state, jobs::JobState::kRunning);  // left for its new holder / reclaim
  EXPECT_LT(job.progress.step, 400U);
}

TEST_F(WorkerTest, UndecodablePoseVideoFailsWithAPreciseReason) {
  const std::string job_id = enqueue(2, "definitely not a video");
  auto worker = make_worker();
  ASSERT_TRUE(worker->run_once());
  EXPECT_EQ(worker->last_outcome(), JobOutcome::kFailed);
  const jobs::JobRecord job = queue_->get(job_id);
  EXPECT_EQ(job.state, jobs::JobState::kFailed);
  ASSERT_TRUE(job.error.has_value());
  EXPECT_EQ(job.error->code, jobs::StatusCode::kInvalidArgument);
  EXPECT_NE(job.error->message.find("preparing_inputs"), std::string::npos) << job.error->message;
  EXPECT_NE(metrics_text().find("animate_jobs_finished_total{state=\"failed\"} 1"),
            std::string::npos);
}

TEST_F(WorkerTest, NothingQueuedMeansNothingClaimed) {
  auto worker = make_worker();
  EXPECT_FALSE(worker->run_once());
}

}  // namespace
}  // namespace animate::worker
