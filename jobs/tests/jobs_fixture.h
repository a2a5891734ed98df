// Fixture of the integration tests: a private redis-server, a pool, and the
// stores under test with a config the test can adjust before use().
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "animate/jobs/asset_store.h"
#include "animate/jobs/blob_store.h"
#include "animate/jobs/connection_pool.h"
#include "animate/jobs/event_reader.h"
#include "animate/jobs/job_queue.h"
#include "animate/jobs/jobs_error.h"
#include "redis_server.h"

namespace animate::jobs::testing {

class JobsTest : public ::testing::Test {
 public:
  // A fake, well-formed sha256 for test number n.
  static std::string fake_sha(int n);

 protected:
  void SetUp() override;

  // (Re)creates the stores with `config` (call before the first use when a
  // test needs other limits).
  void use(const QueueConfig& config);

  // A job whose assets exist (tiny fake bytes: the store trusts the caller's
  // validation, so the content does not matter).
  NewJob new_job(int priority = 0, const std::string& tenant = "default");

  ClaimOptions worker(const std::string& id,
                      std::chrono::milliseconds lease = std::chrono::seconds(30)) const;
  // Raw command on a fresh connection (for checks of the Redis layout).
  RedisReply raw(const RedisArgs& args);

  // Runs f, retrying while Redis is unavailable (reconnect after restart).
  template <typename F>
  auto retrying(F&& f) -> decltype(f()) {
    for (int attempt = 0;; ++attempt) {
      try {
        return f();
      } catch (const JobsError& error) {
        if (error.code() != StatusCode::kUnavailable || attempt >= 50) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }

  std::unique_ptr<RedisServer> server_;
  RedisOptions options_;
  std::shared_ptr<ConnectionPool> pool_;
  QueueConfig config_;
  std::unique_ptr<JobQueue> queue_;
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<AssetStore> assets_;
  std::unique_ptr<EventReader> events_;
  std::string image_id_;
  std::string video_id_;
};

// Expects f() to throw JobsError with `code`; returns it for more checks.
JobsError expect_jobs_error(StatusCode code, const std::function<void()>& f);

}  // namespace animate::jobs::testing
