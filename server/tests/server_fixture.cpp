#include "server_fixture.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "media/mp4_file_writer.h"
#include "media/sample_inputs.h"
#include "sha256.h"

namespace animate::server::testing {

std::multimap<std::string, std::string> trailers_of(const grpc::ClientContext& context) {
  std::multimap<std::string, std::string> out;
  for (const auto& [key, value] : context.GetServerTrailingMetadata()) {
    out.emplace(std::string(key.data(), key.size()), std::string(value.data(), value.size()));
  }
  return out;
}

const std::string& ServerTest::sample_png() {
  static const std::string png = [] {
    media::SampleInputOptions options;
    options.size = 64;
    const auto bytes = media::encode_png(media::draw_reference_image(options));
    return std::string(bytes.begin(), bytes.end());
  }();
  return png;
}

const std::string& ServerTest::sample_mp4() {
  static const std::string mp4 = [] {
    media::SampleInputOptions options;
    options.size = 64;
    options.frames = 9;
    const auto path = std::filesystem::temp_directory_path() /
                      ("animate-server-test-" + std::to_string(::getpid()) + ".mp4");
    media::write_mp4_file(path, media::draw_pose_sequence(options));
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    std::filesystem::remove(path);
    return bytes.str();
  }();
  return mp4;
}

void ServerTest::SetUp() {
  redis_ = std::make_unique<jobs::testing::RedisServer>();
}

void ServerTest::TearDown() {
  stub_.reset();
  channel_.reset();
  app_.reset();
  worker_queue_.reset();
  pool_.reset();
  if (!keys_path_.empty()) std::filesystem::remove(keys_path_);
  redis_.reset();
}

ServerConfig ServerTest::base_config() const {
  ServerConfig config;
  config.listen = "127.0.0.1:0";
  config.metrics_listen = "127.0.0.1:0";
  config.redis.url = redis_->url();
  config.max_upload_bytes = 1 << 20;
  config.shutdown_grace = std::chrono::seconds(2);
  config.log.level = "warning";
  // Tests without a keys file run the way a developer would.
  config.insecure_no_auth = true;
  return config;
}

void ServerTest::start(ServerConfig config, const std::string& keys) {
  stub_.reset();
  channel_.reset();
  app_.reset();
  config.listen = "127.0.0.1:0";
  config.metrics_listen = "127.0.0.1:0";
  config.redis.url = redis_->url();
  if (!keys.empty()) {
    keys_path_ = (std::filesystem::temp_directory_path() /
                  ("animate-server-keys-" + std::to_string(::getpid()) + ".txt"))
                     .string();
    std::ofstream(keys_path_) << keys;
    config.api_keys_file = keys_path_;
    config.insecure_no_auth = false;
  }
  app_ = std::make_unique<ServerApp>(config);
  // Tests start once the first maintenance round has run (the server is
  // NOT_SERVING before it, and it publishes the queue configuration then).
  for (int i = 0; i < 200 && !app_->serving(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(app_->serving()) << "the server did not reach Redis";
  channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(app_->grpc_port()),
                                 grpc::InsecureChannelCredentials());
  stub_ = v1::AnimateService::NewStub(channel_);

  jobs::RedisOptions options = jobs::RedisOptions::from_url(config.redis.url);
  options.key_prefix = config.redis.prefix;
  pool_ = jobs::ConnectionPool::create(options);
  jobs::QueueConfig queue;
  queue.retention = config.retention;
  worker_queue_ = std::make_unique<jobs::JobQueue>(pool_, queue);
}

std::unique_ptr<grpc::ClientContext> ServerTest::context(const std::string& key) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  if (!key.empty()) context->AddMetadata("authorization", "Bearer " + key);
  return context;
}

UploadOutcome ServerTest::upload(v1::AssetKind kind, const std::string& bytes,
                                 const std::string& key, std::optional<std::uint64_t> declared_size,
                                 std::optional<std::string> declared_sha, std::size_t chunk) {
  UploadOutcome outcome;
  auto ctx = context(key);
  auto writer = stub_->UploadAsset(ctx.get(), &outcome.response);
  v1::UploadAssetRequest header;
  header.mutable_header()->set_kind(kind);
  header.mutable_header()->set_size_bytes(declared_size.value_or(bytes.size()));
  header.mutable_header()->set_sha256(declared_sha.value_or(sha256_hex(bytes)));
  header.mutable_header()->set_filename("upload.bin");
  if (writer->Write(header)) {
    for (std::size_t offset = 0; offset < bytes.size(); offset += chunk) {
      v1::UploadAssetRequest message;
      message.set_chunk(bytes.substr(offset, chunk));
      // The server may answer early (dedupe, error): stop sending then.
      if (!writer->Write(message)) break;
    }
  }
  writer->WritesDone();
  outcome.status = writer->Finish();
  outcome.trailers = trailers_of(*ctx);
  return outcome;
}

std::pair<std::string, std::string> ServerTest::upload_samples(const std::string& key) {
  const auto image = upload(v1::ASSET_KIND_REFERENCE_IMAGE, sample_png(), key);
  EXPECT_TRUE(image.status.ok()) << image.status.error_message();
  const auto video = upload(v1::ASSET_KIND_POSE_VIDEO, sample_mp4(), key);
  EXPECT_TRUE(video.status.ok()) << video.status.error_message();
  return {image.response.asset().asset_id(), video.response.asset().asset_id()};
}

v1::CreateJobRequest ServerTest::job_request(const std::string& image,
                                             const std::string& video) const {
  v1::CreateJobRequest request;
  request.mutable_params()->set_reference_image_asset_id(image);
  request.mutable_params()->set_pose_video_asset_id(video);
  return request;
}

CallOutcome ServerTest::create(const v1::CreateJobRequest& request, v1::CreateJobResponse* response,
                               const std::string& key) {
  auto ctx = context(key);
  CallOutcome outcome;
  outcome.status = stub_->CreateJob(ctx.get(), request, response);
  outcome.trailers = trailers_of(*ctx);
  return outcome;
}

std::size_t ServerTest::count_keys(const std::string& pattern) {
  auto connection = pool_->acquire();
  const auto reply = connection->command({"KEYS", "animate:" + pattern});
  return reply.size();
}

}  // namespace animate::server::testing
