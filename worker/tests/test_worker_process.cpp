// The animate-worker binary itself: starts against a private redis-server,
// reports NOT_SERVING until warmed up, runs a queued job to SUCCEEDED,
// serves /metrics, and exits 0 on SIGTERM after draining.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "animate/jobs/asset_store.h"
#include "animate/jobs/blob_store.h"
#include "animate/jobs/connection_pool.h"
#include "animate/jobs/job_queue.h"
#include "endpoint_clients.h"
#include "redis_server.h"
#include "test_support.h"
#include "worker/sha256.h"

extern char** environ;

namespace animate::worker {
namespace {

using namespace std::chrono_literals;

// A child process, killed (SIGKILL) if the test ends without reaping it.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& args, const std::string& log_path) {
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~ChildProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  void signal(int number) const { ::kill(pid_, number); }
  // Exit status, or -1 when it did not exit in time (or died of a signal).
  int wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return predicate();
}

TEST(WorkerProcess, ServesJobsHealthAndMetricsAndStopsOnSigterm) {
  jobs::testing::RedisServer redis;
  jobs::RedisOptions options;
  options.port = redis.port();
  const auto pool = jobs::ConnectionPool::create(options);
  jobs::JobQueue queue(pool, jobs::QueueConfig{});
  jobs::BlobStore blobs(pool, jobs::QueueConfig{});
  jobs::AssetStore assets(blobs);

  testing::TempDir dir;
  const auto files = testing::write_samples(dir.path() / "inputs", 64, 9, 8);
  auto upload = [&](jobs::AssetKind kind, const std::filesystem::path& path) {
    const std::string bytes = testing::read_file(path);
    jobs::AssetInfo info;
    info.kind = kind;
    info.sha256 = sha256_hex(bytes);
    info.size_bytes = bytes.size();
    return assets.put(info, bytes).asset.asset_id;
  };
  jobs::NewJob job;
  job.params.reference_image_asset_id =
      upload(jobs::AssetKind::kReferenceImage, files.reference_image);
  job.params.pose_video_asset_id = upload(jobs::AssetKind::kPoseVideo, files.pose_video);
  job.params.width = 32;
  job.params.height = 32;
  job.params.frame_count = 5;
  job.params.steps = 2;
  const std::string job_id = queue.enqueue(job).job.id;

  const int health_port = testing::free_loopback_port();
  const int metrics_port = testing::free_loopback_port();
  const std::string log = (dir.path() / "worker.log").string();
  ChildProcess worker(
      {ANIMATE_WORKER_BINARY, "--model-root", testing::tiny_model_root().string(), "--redis-url",
       "redis://127.0.0.1:" + std::to_string(redis.port()) + "/0", "--health-listen",
       "127.0.0.1:" + std::to_string(health_port), "--metrics-listen",
       "127.0.0.1:" + std::to_string(metrics_port), "--threads", "2", "--device", "cpu",
       "--drain-seconds", "5", "--x264-preset", "ultrafast"},
      log);
  ASSERT_TRUE(worker.started());

  const bool succeeded =
      eventually([&] { return queue.get(job_id).state == jobs::JobState::kSucceeded; }, 60s);
  ASSERT_TRUE(succeeded) << "job state " << jobs::to_string(queue.get(job_id).state) << "\n"
                         << testing::read_file(log);
  EXPECT_EQ(queue.get(job_id).result->frame_count, 5U);
  EXPECT_EQ(testing::health_status(health_port), 1);
  const std::string metrics = testing::http_get(metrics_port, "/metrics");
  EXPECT_NE(metrics.find("animate_worker_ready 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("animate_jobs_finished_total{state=\"succeeded\"} 1"), std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("animate_model_load_seconds 0\n"), std::string::npos) << metrics;

  worker.signal(SIGTERM);
  EXPECT_EQ(worker.wait_exit(30s), 0) << testing::read_file(log);
  const std::string output = testing::read_file(log);
  EXPECT_NE(output.find("draining"), std::string::npos) << output;
  EXPECT_NE(output.find("stopped"), std::string::npos) << output;
}

}  // namespace
}  // namespace animate::worker
