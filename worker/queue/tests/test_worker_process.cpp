// The animate-worker binary itself: starts against a private redis-server
// that needs a password (given by environment variable), reports NOT_SERVING
// until warmed up, runs a queued job to SUCCEEDED, answers concurrent scrapes
// while stalled clients hold connections, survives SIGHUP, exits 0 on SIGTERM
// after draining; every log line is JSON and none holds the password.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "animate/common/sha256.h"
#include "animate/jobs/asset_store.h"
#include "animate/jobs/blob_store.h"
#include "animate/jobs/connection_pool.h"
#include "animate/jobs/job_queue.h"
#include "animate/jobs/shared_queue_settings.h"
#include "animate/testing/child_process.h"
#include "animate/testing/grpc_health_probe.h"
#include "animate/testing/http_probe.h"
#include "redis_server.h"
#include "test_support.h"

namespace animate::worker {
namespace {

using namespace std::chrono_literals;
// common/'s helpers for driving binaries (this namespace has its own `testing`).
namespace process = animate::testing;

constexpr const char* kRedisPassword = "worker-redis-pw-5e2a9c71";

// A private redis-server with the stores a test needs to play the server's
// part: enqueue jobs on sample inputs, read their records and results.
struct QueueOnRedis {
  // publish_settings: stand in for animate-server's queue configuration (the
  // worker waits for it); false when a real server runs.
  explicit QueueOnRedis(const std::string& password = "", bool publish_settings = true)
      : redis(password),
        pool(jobs::ConnectionPool::create(jobs::RedisOptions::from_url(redis.url()))),
        queue(pool, jobs::QueueConfig{}),
        blobs(pool, jobs::QueueConfig{}),
        assets(blobs) {
    if (publish_settings) {
      jobs::publish_shared_settings(*pool, jobs::SharedQueueSettings::of(jobs::QueueConfig{}));
    }
  }

  // A job on freshly written sample inputs (side x side, `frames` frames at
  // 8 fps) uploaded as assets; the output is side x side, all frames.
  jobs::NewJob sample_job(const std::filesystem::path& dir, int side, int frames) {
    const auto files = testing::write_samples(dir, side, frames, 8);
    const auto upload = [&](jobs::AssetKind kind, const std::filesystem::path& path) {
      const std::string bytes = testing::read_file(path);
      jobs::AssetInfo info;
      info.kind = kind;
      info.sha256 = common::sha256_hex(bytes);
      info.size_bytes = bytes.size();
      return assets.put(info, bytes).asset.asset_id;
    };
    jobs::NewJob job;
    job.params.reference_image_asset_id =
        upload(jobs::AssetKind::kReferenceImage, files.reference_image);
    job.params.pose_video_asset_id = upload(jobs::AssetKind::kPoseVideo, files.pose_video);
    job.params.width = static_cast<std::uint32_t>(side);
    job.params.height = static_cast<std::uint32_t>(side);
    job.params.frame_count = static_cast<std::uint32_t>(frames);
    return job;
  }

  jobs::testing::RedisServer redis;
  std::shared_ptr<jobs::ConnectionPool> pool;
  jobs::JobQueue queue;
  jobs::BlobStore blobs;
  jobs::AssetStore assets;
};

TEST(WorkerProcess, ServesJobsHealthAndMetricsAndStopsOnSigterm) {
  QueueOnRedis store(kRedisPassword);
  auto& redis = store.redis;
  auto& queue = store.queue;
  testing::TempDir dir;
  jobs::NewJob job = store.sample_job(dir.path() / "inputs", 64, 9);
  job.params.width = 32;
  job.params.height = 32;
  job.params.frame_count = 5;
  job.params.steps = 2;
  const std::string job_id = queue.enqueue(job).job.id;

  const int health_port = process::free_loopback_port();
  const int metrics_port = process::free_loopback_port();
  const std::string log = (dir.path() / "worker.log").string();
  process::ChildProcess worker(
      {ANIMATE_WORKER_BINARY, "--model-root", testing::tiny_model_root().string(),
       "--health-listen", "127.0.0.1:" + std::to_string(health_port), "--metrics-listen",
       "127.0.0.1:" + std::to_string(metrics_port), "--threads", "2", "--device", "cpu",
       "--drain-seconds", "5", "--x264-preset", "ultrafast"},
      log, {{"ANIMATE_REDIS_URL", redis.url()}, {"ANIMATE_LOG_LEVEL", "debug"}});
  ASSERT_TRUE(worker.started());

  const bool succeeded = process::eventually(
      [&] { return queue.get(job_id).state == jobs::JobState::kSucceeded; }, 60s);
  ASSERT_TRUE(succeeded) << "job state " << jobs::to_string(queue.get(job_id).state) << "\n"
                         << testing::read_file(log);
  EXPECT_EQ(queue.get(job_id).result->frame_count, 5U);
  EXPECT_EQ(process::grpc_health_status(health_port), 1);
  EXPECT_EQ(process::http_request(metrics_port, "/readyz").status, 200);
  EXPECT_EQ(process::http_request(metrics_port, "/healthz").status, 200);
  const std::string metrics = process::http_request(metrics_port, "/metrics").body;
  EXPECT_NE(metrics.find("animate_worker_ready 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("animate_jobs_finished_total{state=\"succeeded\"} 1"), std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("animate_model_load_seconds 0\n"), std::string::npos) << metrics;

  // Stalled scrapers hold connections; concurrent scrapes are answered at
  // once (the endpoint used to serve one connection at a time, 5 s each).
  EXPECT_EQ(process::scrapes_answered_while_clients_stall(metrics_port, "animate_worker_ready 1"),
            4);

  // SIGHUP used to end the worker (no handler); now it is logged and ignored.
  worker.signal(SIGHUP);
  EXPECT_TRUE(process::eventually(
      [&] {
        return testing::read_file(log).find("SIGHUP: nothing to reload") != std::string::npos;
      },
      10s));
  EXPECT_TRUE(worker.running());
  EXPECT_EQ(process::http_request(metrics_port, "/readyz").status, 200);

  worker.signal(SIGTERM);
  EXPECT_EQ(worker.wait_exit(30s), 0) << testing::read_file(log);
  const std::string output = testing::read_file(log);
  EXPECT_EQ(output.find(kRedisPassword), std::string::npos) << "the Redis password was logged";
  bool saw_claim = false, saw_finish = false, saw_drain = false, saw_stop = false;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    // FFmpeg's own messages do not go through the logger; everything else does.
    if (!nlohmann::json::accept(line)) {
      ADD_FAILURE() << "not a JSON line: " << line;
      continue;
    }
    const auto event = nlohmann::json::parse(line);
    EXPECT_EQ(event["component"], "worker");
    const bool about_job = event.value("job_id", "") == job_id;
    saw_claim = saw_claim || (about_job && event["message"] == "claimed" &&
                              event["tenant"] == "default" && event["attempt"] == 1);
    saw_finish = saw_finish ||
                 (about_job && event["message"] == "finished" && event["outcome"] == "succeeded");
    saw_drain = saw_drain || event["message"] == "draining";
    saw_stop = saw_stop || event["message"] == "stopped";
  }
  EXPECT_TRUE(saw_claim && saw_finish && saw_drain && saw_stop) << output;
}

// Redis stalls (SIGSTOP, 30 s: six times the client's command timeout) while
// the worker is writing the video: the worker retries with backoff while its
// lease is valid, the append is idempotent, and the job still succeeds with a
// complete MP4. It used to end FAILED ("Redis EVALSHA: Resource temporarily
// unavailable").
TEST(WorkerProcess, ARedisStallWhileWritingTheVideoIsRetried) {
  QueueOnRedis store;
  auto& redis = store.redis;
  auto& queue = store.queue;
  auto& blobs = store.blobs;
  testing::TempDir dir;
  constexpr int kFrames = 81;
  // 256 px: the decode and encode of 81 frames last long enough (seconds on
  // two cores) for the stall to land while the video is being written.
  constexpr int kSide = 256;
  jobs::NewJob job = store.sample_job(dir.path() / "inputs", kSide, kFrames);
  job.params.steps = 1;
  const std::string job_id = queue.enqueue(job).job.id;

  const std::string log = (dir.path() / "worker.log").string();
  process::ChildProcess worker(
      {ANIMATE_WORKER_BINARY, "--model-root", testing::tiny_model_root().string(),
       "--health-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--threads", "2",
       "--device", "cpu", "--x264-preset", "ultrafast", "--lease-seconds", "60"},
      log, {{"ANIMATE_REDIS_URL", redis.url()}});
  ASSERT_TRUE(worker.started());

  // The moment the first bytes of the result exist, the decode is streaming.
  const bool writing = process::eventually(
      [&] {
        const auto info = blobs.info(jobs::result_blob_id(job_id));
        return info && info->size > 0;
      },
      120s);
  ASSERT_TRUE(writing) << testing::read_file(log);
  // 30 s: longer than the rest of the decode (about 20 s here), so the
  // remaining appends and the final succeed all meet the stall. Within the
  // 60 s lease (the retries stop 10 s before it could run out).
  redis.pause();
  std::this_thread::sleep_for(30s);
  redis.resume();

  const bool succeeded = process::eventually(
      [&] {
        const auto state = queue.get(job_id).state;
        return state == jobs::JobState::kSucceeded || state == jobs::JobState::kFailed;
      },
      120s);
  ASSERT_TRUE(succeeded) << testing::read_file(log);
  const jobs::JobRecord record = queue.get(job_id);
  ASSERT_EQ(record.state, jobs::JobState::kSucceeded)
      << (record.error ? record.error->message : "") << "\n"
      << testing::read_file(log);
  EXPECT_EQ(record.attempt, 1U) << "no second attempt: the first one rode out the stall";
  const std::string mp4 = blobs.read(jobs::result_blob_id(job_id), 0, 1 << 30);
  EXPECT_EQ(mp4.size(), record.result->size_bytes);
  EXPECT_EQ(common::sha256_hex(mp4), record.result->sha256);
  testing::write_file(dir.path() / "result.mp4", mp4);
  const auto probed = testing::ffprobe(dir.path() / "result.mp4");
  EXPECT_TRUE(probed.ok) << probed.errors;
  EXPECT_EQ(probed.frames, kFrames);
  // The stall was met by a result write and ridden out, not missed.
  const std::string output = testing::read_file(log);
  const bool write_retried =
      output.find("\"message\":\"Redis unavailable (will retry)\",\"job_id\":\"" + job_id) !=
          std::string::npos &&
      (output.find("\"operation\":\"append_result\"") != std::string::npos ||
       output.find("\"operation\":\"succeed\"") != std::string::npos);
  EXPECT_TRUE(write_retried) << output;
  worker.signal(SIGTERM);
  EXPECT_EQ(worker.wait_exit(60s), 0);
}

// The server's --max-running-per-tenant and --retention-seconds hold for jobs
// that workers run: two workers, two jobs of one tenant, limit 1 -> never two
// running at once; retention 5 s -> the finished jobs are gone after it. Both
// failed before (workers used their own defaults: no limit, 24 h).
TEST(WorkerProcess, WorkersFollowTheServersQueueConfiguration) {
  QueueOnRedis store("", /*publish_settings=*/false);  // the real server publishes
  auto& redis = store.redis;
  auto& queue = store.queue;
  testing::TempDir dir;

  process::ChildProcess server(
      {ANIMATE_SERVER_BINARY, "--listen", "127.0.0.1:0", "--metrics-listen", "",
       "--insecure-no-auth", "--max-running-per-tenant", "1", "--retention-seconds", "5"},
      (dir.path() / "server.log").string(), {{"ANIMATE_REDIS_URL", redis.url()}});
  ASSERT_TRUE(
      process::eventually([&] { return jobs::read_shared_settings(*store.pool).has_value(); }, 30s))
      << testing::read_file(dir.path() / "server.log");

  jobs::NewJob job = store.sample_job(dir.path() / "inputs", 64, 17);
  job.params.steps = 8;
  const std::string first = queue.enqueue(job).job.id;
  job.params.seed = 2;
  const std::string second = queue.enqueue(job).job.id;

  std::vector<std::unique_ptr<process::ChildProcess>> workers;
  for (const char* name : {"w1", "w2"}) {
    workers.push_back(std::make_unique<process::ChildProcess>(
        std::vector<std::string>{
            ANIMATE_WORKER_BINARY, "--model-root", testing::tiny_model_root().string(),
            "--health-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--threads", "1",
            "--device", "cpu", "--x264-preset", "ultrafast", "--worker-id", name},
        (dir.path() / (std::string(name) + ".log")).string(),
        std::map<std::string, std::string>{{"ANIMATE_REDIS_URL", redis.url()}}));
  }
  int most_running = 0;
  const auto done = [&] {
    int running = 0;
    int finished = 0;
    for (const auto& id : {first, second}) {
      const auto state = queue.get(id).state;
      running += state == jobs::JobState::kRunning;
      finished += state == jobs::JobState::kSucceeded || state == jobs::JobState::kFailed;
    }
    most_running = std::max(most_running, running);
    return finished == 2;
  };
  ASSERT_TRUE(process::eventually(done, 180s)) << testing::read_file(dir.path() / "w1.log");
  EXPECT_EQ(queue.get(first).state, jobs::JobState::kSucceeded);
  EXPECT_EQ(queue.get(second).state, jobs::JobState::kSucceeded);
  EXPECT_EQ(most_running, 1) << "the tenant's limit of 1 running job was not held";
  for (const char* name : {"w1", "w2"}) {
    EXPECT_NE(testing::read_file(dir.path() / (std::string(name) + ".log"))
                  .find("max_running_per_tenant=1 retention_ms=5000"),
              std::string::npos);
  }
  // Retention 5 s from the end of each job (written by the worker).
  EXPECT_TRUE(process::eventually(
      [&] { return !queue.find(first).has_value() && !queue.find(second).has_value(); }, 30s))
      << "finished jobs outlived the server's retention";
  for (auto& worker : workers) {
    worker->signal(SIGTERM);
    EXPECT_EQ(worker->wait_exit(60s), 0);
  }
}

// A worker killed mid-job: its lease runs out, the job goes back to the
// queue, and the server counts it (animate_lease_expirations_total,
// animate_jobs_requeued_total{reason="lease_expired"}) even when another
// worker's claim did the requeue (claims run maintenance too).
TEST(WorkerProcess, ALostWorkersLeaseExpiryIsCounted) {
  QueueOnRedis store("", /*publish_settings=*/false);  // the real server publishes
  auto& redis = store.redis;
  auto& queue = store.queue;
  testing::TempDir dir;
  const int status_port = process::free_loopback_port();
  process::ChildProcess server(
      {ANIMATE_SERVER_BINARY, "--listen", "127.0.0.1:0", "--metrics-listen",
       "127.0.0.1:" + std::to_string(status_port), "--insecure-no-auth"},
      (dir.path() / "server.log").string(), {{"ANIMATE_REDIS_URL", redis.url()}});
  ASSERT_TRUE(process::eventually(
      [&] { return process::http_request(status_port, "/readyz").status == 200; }, 30s));

  jobs::NewJob job = store.sample_job(dir.path() / "inputs", 64, 17);
  job.params.width = 128;
  job.params.height = 128;
  job.params.frame_count = 17;
  job.params.steps = 300;  // long enough to be killed in the middle
  const std::string job_id = queue.enqueue(job).job.id;

  {
    process::ChildProcess doomed(
        {ANIMATE_WORKER_BINARY, "--model-root", testing::tiny_model_root().string(),
         "--health-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--threads", "1",
         "--device", "cpu", "--lease-seconds", "2"},
        (dir.path() / "doomed.log").string(), {{"ANIMATE_REDIS_URL", redis.url()}});
    ASSERT_TRUE(process::eventually(
        [&] { return queue.get(job_id).state == jobs::JobState::kRunning; }, 60s));
    doomed.signal(SIGKILL);
    EXPECT_EQ(doomed.wait_exit(10s), 128 + SIGKILL);
  }
  // The lease (2 s) runs out; maintenance puts the job back.
  ASSERT_TRUE(
      process::eventually([&] { return queue.get(job_id).state == jobs::JobState::kQueued; }, 30s));
  std::string metrics;
  EXPECT_TRUE(process::eventually(
      [&] {
        metrics = process::http_request(status_port, "/metrics").body;
        return metrics.find("animate_lease_expirations_total 1") != std::string::npos;
      },
      10s))
      << metrics;
  EXPECT_NE(metrics.find("animate_jobs_requeued_total{reason=\"lease_expired\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(queue.get(job_id).attempt, 1U) << "one attempt used, two left";
}

TEST(WorkerProcess, BadFlagsAndVariablesAreNamed) {
  testing::TempDir dir;
  const std::string log = (dir.path() / "worker.log").string();
  process::ChildProcess flag({ANIMATE_WORKER_BINARY, "--lease-seconds", "soon"}, log);
  EXPECT_EQ(flag.wait_exit(30s), 2);
  EXPECT_NE(testing::read_file(log).find(
                "animate-worker: --lease-seconds: expected a whole number from 1 to 1000000000, "
                "got 'soon'"),
            std::string::npos)
      << testing::read_file(log);
  process::ChildProcess env({ANIMATE_WORKER_BINARY}, log, {{"ANIMATE_DRAIN_SECONDS", "-1"}});
  EXPECT_EQ(env.wait_exit(30s), 2);
  EXPECT_NE(testing::read_file(log).find("ANIMATE_DRAIN_SECONDS (--drain-seconds)"),
            std::string::npos)
      << testing::read_file(log);
  process::ChildProcess help({ANIMATE_WORKER_BINARY, "--help"}, log);
  EXPECT_EQ(help.wait_exit(30s), 0);
  EXPECT_NE(testing::read_file(log).find("--unianimate VALUE  (env ANIMATE_UNIANIMATE_CKPT)"),
            std::string::npos)
      << testing::read_file(log);
}

}  // namespace
}  // namespace animate::worker
