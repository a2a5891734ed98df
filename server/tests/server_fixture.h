// Fixture of the server's integration tests: a private redis-server, the
// server in-process on free loopback ports (gRPC and /metrics), a stub on a
// channel to it, a JobQueue standing in for a worker, and sample media.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "animate/jobs/connection_pool.h"
#include "animate/jobs/job_queue.h"
#include "animate/v1/animate_service.grpc.pb.h"
#include "redis_server.h"
#include "server_app.h"

namespace animate::server::testing {

namespace v1 = ::animate::v1;

struct UploadOutcome {
  grpc::Status status;
  v1::UploadAssetResponse response;
  std::multimap<std::string, std::string> trailers;
};

struct CallOutcome {
  grpc::Status status;
  std::multimap<std::string, std::string> trailers;
};

class ServerTest : public ::testing::Test {
 public:
  // A valid PNG (reference image) and a valid fragmented MP4 (pose video),
  // generated once per process.
  static const std::string& sample_png();
  static const std::string& sample_mp4();

 protected:
  void SetUp() override;
  void TearDown() override;

  // (Re)starts the server with `config` adjusted by the test (listen
  // addresses and the Redis URL are filled in). keys: "key tenant" lines;
  // empty = no authentication.
  void start(ServerConfig config, const std::string& keys = {});
  ServerConfig base_config() const;

  // A context carrying `key` (Bearer) when not empty.
  static std::unique_ptr<grpc::ClientContext> context(const std::string& key = {});

  // Uploads `bytes` in `chunk` sized pieces with the given header fields
  // (size and sha256 default to the real ones).
  UploadOutcome upload(v1::AssetKind kind, const std::string& bytes, const std::string& key = {},
                       std::optional<std::uint64_t> declared_size = std::nullopt,
                       std::optional<std::string> declared_sha = std::nullopt,
                       std::size_t chunk = 64 * 1024);
  // Uploads the sample image and video; returns their asset ids.
  std::pair<std::string, std::string> upload_samples(const std::string& key = {});

  v1::CreateJobRequest job_request(const std::string& image, const std::string& video) const;
  CallOutcome create(const v1::CreateJobRequest& request, v1::CreateJobResponse* response,
                     const std::string& key = {});

  // Keys in Redis matching a pattern (after the prefix).
  std::size_t count_keys(const std::string& pattern);

  std::unique_ptr<jobs::testing::RedisServer> redis_;
  std::unique_ptr<ServerApp> app_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AnimateService::Stub> stub_;
  std::shared_ptr<jobs::ConnectionPool> pool_;
  // The worker side, driven by the tests.
  std::unique_ptr<jobs::JobQueue> worker_queue_;
  std::string keys_path_;
};

std::multimap<std::string, std::string> trailers_of(const grpc::ClientContext& context);

}  // namespace animate::server::testing
