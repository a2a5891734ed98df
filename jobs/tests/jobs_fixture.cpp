#include "jobs_fixture.h"

#include <cstdio>
#include <thread>

namespace animate::jobs::testing {

void JobsTest::SetUp() {
  server_ = std::make_unique<RedisServer>();
  options_.port = server_->port();
  options_.command_timeout = std::chrono::seconds(5);
  pool_ = ConnectionPool::create(options_);
  use(QueueConfig{});
}

void JobsTest::use(const QueueConfig& config) {
  config_ = config;
  queue_ = std::make_unique<JobQueue>(pool_, config_);
  assets_.reset();
  blobs_ = std::make_unique<BlobStore>(pool_, config_);
  assets_ = std::make_unique<AssetStore>(*blobs_);
  events_ = std::make_unique<EventReader>(pool_);

  AssetInfo image;
  image.kind = AssetKind::kReferenceImage;
  image.sha256 = fake_sha(1);
  image.size_bytes = 4;
  image.content_type = "image/png";
  image_id_ = assets_->put(image, "png!").asset.asset_id;
  AssetInfo video;
  video.kind = AssetKind::kPoseVideo;
  video.sha256 = fake_sha(2);
  video.size_bytes = 4;
  video.content_type = "video/mp4";
  video_id_ = assets_->put(video, "mp4!").asset.asset_id;
}

NewJob JobsTest::new_job(int priority, const std::string& tenant) {
  NewJob job;
  job.tenant = tenant;
  job.priority = priority;
  job.params.reference_image_asset_id = image_id_;
  job.params.pose_video_asset_id = video_id_;
  return job;
}

std::string JobsTest::fake_sha(int n) {
  char buffer[65];
  std::snprintf(buffer, sizeof buffer, "%064x", n);
  return buffer;
}

ClaimOptions JobsTest::worker(const std::string& id, std::chrono::milliseconds lease) const {
  ClaimOptions options;
  options.worker_id = id;
  options.lease = lease;
  return options;
}

RedisReply JobsTest::raw(const RedisArgs& args) {
  RedisConnection connection(options_);
  return connection.command(args);
}

JobsError expect_jobs_error(StatusCode code, const std::function<void()>& f) {
  try {
    f();
  } catch (const JobsError& error) {
    EXPECT_EQ(error.code(), code) << to_string(error.code()) << ": " << error.what();
    return error;
  }
  ADD_FAILURE() << "expected JobsError " << to_string(code) << ", nothing was thrown";
  return JobsError(StatusCode::kOk, "not thrown");
}

}  // namespace animate::jobs::testing
