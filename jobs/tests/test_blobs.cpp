// Blobs and assets: chunked writes and ranged reads, TTLs, content-addressed
// deduplication, nothing left behind by a failed put.
#include <thread>

#include "jobs_fixture.h"

namespace animate::jobs::testing {
namespace {

using std::chrono::milliseconds;

std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 7 + 3) % 256);
  return bytes;
}

TEST_F(JobsTest, BlobsAreChunkedAndReadableFromAnyOffset) {
  QueueConfig config;
  config.blob_chunk_bytes = 16;
  use(config);
  const std::string data = pattern(100);  // binary, with NULs
  EXPECT_EQ(blobs_->append("b1", data.substr(0, 10), milliseconds(0)), 0u);
  EXPECT_EQ(blobs_->append("b1", data.substr(10, 50), milliseconds(0)), 10u);
  EXPECT_EQ(blobs_->append("b1", data.substr(60), milliseconds(0)), 60u);

  const auto info = blobs_->info("b1");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, 100u);
  EXPECT_EQ(info->chunk_size, 16u);
  EXPECT_FALSE(info->complete);
  EXPECT_FALSE(info->ttl);
  EXPECT_EQ(raw({"STRLEN", "animate:blob:b1:0"}).integer(), 16);
  EXPECT_EQ(raw({"STRLEN", "animate:blob:b1:6"}).integer(), 4);

  EXPECT_EQ(blobs_->read("b1", 0, 1000), data);
  EXPECT_EQ(blobs_->read("b1", 10, 50), data.substr(10, 50));
  EXPECT_EQ(blobs_->read("b1", 15, 2), data.substr(15, 2));  // across a chunk edge
  EXPECT_EQ(blobs_->read("b1", 95, 100), data.substr(95));
  EXPECT_EQ(blobs_->read("b1", 100, 10), "");
  expect_jobs_error(StatusCode::kOutOfRange, [&] { blobs_->read("b1", 101, 10); });
  expect_jobs_error(StatusCode::kNotFound, [&] { blobs_->read("nope", 0, 10); });

  blobs_->seal("b1", fake_sha(3), "application/octet-stream", milliseconds(0));
  EXPECT_TRUE(blobs_->info("b1")->complete);
  EXPECT_TRUE(blobs_->remove("b1"));
  EXPECT_FALSE(blobs_->info("b1"));
  EXPECT_EQ(raw({"EXISTS", "animate:blob:b1:0"}).integer(), 0);
}

TEST_F(JobsTest, BlobsExpireWholeAfterTheirTtl) {
  QueueConfig config;
  config.blob_chunk_bytes = 16;
  use(config);
  blobs_->append("short", pattern(40), milliseconds(300));
  const auto info = blobs_->info("short");
  ASSERT_TRUE(info && info->ttl);
  EXPECT_LE(info->ttl->count(), 300);
  EXPECT_GT(raw({"PTTL", "animate:blob:short:2"}).integer(), 0);
  std::this_thread::sleep_for(milliseconds(450));
  EXPECT_FALSE(blobs_->info("short"));
  EXPECT_EQ(raw({"EXISTS", "animate:blob:short:0", "animate:blob:short:1", "animate:blob:short:2"})
                .integer(),
            0);
}

TEST_F(JobsTest, AssetsAreContentAddressedAndDeduplicated) {
  QueueConfig config;
  config.blob_chunk_bytes = 1000;
  use(config);
  const std::string bytes = pattern(5000);
  AssetInfo info;
  info.kind = AssetKind::kPoseVideo;
  info.sha256 = fake_sha(42);
  info.size_bytes = bytes.size();
  info.content_type = "video/mp4";
  info.media.format = "mov,mp4,m4a,3gp,3g2,mj2";
  info.media.codec = "h264";
  info.media.width = 480;
  info.media.height = 832;
  info.media.frame_count = 81;
  info.media.fps = 15;
  info.media.duration_ms = 5400;

  EXPECT_FALSE(assets_->find(AssetKind::kPoseVideo, fake_sha(42)));
  const PutAssetResult first = assets_->put(info, bytes);
  EXPECT_FALSE(first.deduplicated);
  EXPECT_EQ(first.asset.asset_id, "posevid_" + fake_sha(42));
  EXPECT_EQ(first.asset.size_bytes, 5000u);
  EXPECT_EQ(first.asset.media.frame_count, 81u);
  EXPECT_EQ(first.asset.media.codec, "h264");
  EXPECT_GT(first.asset.expire_ms, 0);

  const PutAssetResult second = assets_->put(info, bytes);
  EXPECT_TRUE(second.deduplicated);
  EXPECT_EQ(second.asset.asset_id, first.asset.asset_id);
  ASSERT_TRUE(assets_->find(AssetKind::kPoseVideo, fake_sha(42)));
  // Same content, other kind: a separate asset (validated for its own kind).
  EXPECT_FALSE(assets_->find(AssetKind::kReferenceImage, fake_sha(42)));

  EXPECT_EQ(assets_->read_all(first.asset.asset_id), bytes);
  EXPECT_EQ(assets_->read(first.asset.asset_id, 999, 2), bytes.substr(999, 2));
  // No temporary blobs left behind.
  EXPECT_EQ(raw({"KEYS", "animate:blob:tmp:*"}).size(), 0u);

  AssetInfo lying = info;
  lying.size_bytes = 4;
  expect_jobs_error(StatusCode::kInvalidArgument, [&] { assets_->put(lying, bytes); });
  expect_jobs_error(StatusCode::kNotFound,
                    [&] { assets_->read("refimg_" + fake_sha(1234), 0, 1); });
}

TEST_F(JobsTest, EnqueueKeepsAssetsAliveForTheJob) {
  QueueConfig config;
  config.asset_ttl = std::chrono::seconds(10);
  use(config);
  NewJob job = new_job();
  job.max_queue_time = std::chrono::minutes(30);
  job.max_run_time = std::chrono::minutes(10);
  queue_->enqueue(job);
  const auto asset = assets_->get(video_id_);
  ASSERT_TRUE(asset);
  // At least the queue time plus every attempt's run time.
  EXPECT_GT(asset->expire_ms - asset->create_ms, 30 * 60 * 1000 + 3 * 10 * 60 * 1000);
}

}  // namespace
}  // namespace animate::jobs::testing
