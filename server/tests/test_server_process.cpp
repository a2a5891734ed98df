// The animate-server binary driven from outside, as an operator runs it:
// JSON log lines on a non-terminal stderr, the status endpoint under stalled
// scrapers, SIGHUP reloading the API keys, SIGTERM draining, a second
// SIGTERM exiting at once, and no secret (API keys, the Redis password) in
// any line it writes.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "animate/common/sha256.h"
#include "animate/jobs/connection_pool.h"
#include "animate/jobs/job_queue.h"
#include "animate/jobs/redis_options.h"
#include "animate/testing/child_process.h"
#include "animate/testing/grpc_health_probe.h"
#include "animate/testing/http_probe.h"
#include "animate/v1/animate_service.grpc.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "media/ffmpeg_log.h"
#include "media/frame.h"
#include "media/mp4_file_writer.h"
#include "media/sample_inputs.h"
#include "redis_server.h"

namespace animate::server {
namespace {

using namespace std::chrono_literals;
using animate::testing::ChildProcess;
using animate::testing::eventually;
using animate::testing::http_request;
using animate::testing::read_text_file;

constexpr const char* kRedisPassword = "redis-pw-7c1d9e3f5a";
constexpr const char* kAliceKey = "key-alice-4f8a2b6c0e";
constexpr const char* kBobKey = "key-bob-9d3e7a1c5b";
constexpr const char* kWrongKey = "key-mallory-2b4d6f8a0c";

class ServerProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("animate-server-process-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    keys_ = (dir_ / "keys.txt").string();
    log_ = (dir_ / "server.log").string();
    write_keys(std::string(kAliceKey) + " alice\n");
    redis_ = std::make_unique<jobs::testing::RedisServer>(kRedisPassword);
    grpc_port_ = animate::testing::free_loopback_port();
    status_port_ = animate::testing::free_loopback_port();
  }
  void TearDown() override {
    server_.reset();
    redis_.reset();
    std::filesystem::remove_all(dir_);
  }

  void write_keys(const std::string& content) {
    const std::string staged = keys_ + ".new";
    std::ofstream(staged) << content;
    std::filesystem::rename(staged, keys_);
  }

  // Flags and environment both in use, as in the Helm chart.
  void start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{ANIMATE_SERVER_BINARY,
                                  "--listen",
                                  "127.0.0.1:" + std::to_string(grpc_port_),
                                  "--metrics-listen",
                                  "127.0.0.1:" + std::to_string(status_port_),
                                  "--api-keys-file",
                                  keys_,
                                  "--log-level",
                                  "debug"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ChildProcess>(
        args, log_, std::map<std::string, std::string>{{"ANIMATE_REDIS_URL", redis_->url()}});
    ASSERT_TRUE(server_->started());
    ASSERT_TRUE(
        eventually([&] { return http_request(status_port_, "/readyz").status == 200; }, 20s))
        << read_text_file(log_);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port_),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::AnimateService::NewStub(channel_);
  }

  grpc::StatusCode list_jobs(const std::string& key, const std::string& request_id = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    if (!key.empty()) context.AddMetadata("authorization", "Bearer " + key);
    if (!request_id.empty()) context.AddMetadata("x-request-id", request_id);
    v1::ListJobsResponse response;
    return stub_->ListJobs(&context, v1::ListJobsRequest(), &response).error_code();
  }

  // One whole upload (header, then the bytes in one chunk) as alice.
  grpc::Status upload(v1::AssetKind kind, const std::string& bytes, std::string* asset_id = nullptr,
                      const char* key = kAliceKey) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 30s);
    context.AddMetadata("authorization", std::string("Bearer ") + key);
    v1::UploadAssetResponse response;
    auto stream = stub_->UploadAsset(&context, &response);
    v1::UploadAssetRequest header;
    header.mutable_header()->set_kind(kind);
    header.mutable_header()->set_size_bytes(bytes.size());
    header.mutable_header()->set_sha256(common::sha256_hex(bytes));
    v1::UploadAssetRequest chunk;
    chunk.set_chunk(bytes);
    if (stream->Write(header)) stream->Write(chunk);
    stream->WritesDone();
    const grpc::Status status = stream->Finish();
    if (asset_id != nullptr) *asset_id = response.asset().asset_id();
    return status;
  }

  static std::string png_bytes(int side) {
    const auto bytes = media::encode_png(media::Frame(side, side));
    return std::string(bytes.begin(), bytes.end());
  }

  // A side x side pose video of `frames` frames (the sample dancer).
  std::string mp4_bytes(int side, int frames) {
    media::SampleInputOptions options;
    options.size = side;
    options.frames = frames;
    const auto path =
        dir_ / ("pose-" + std::to_string(side) + "-" + std::to_string(frames) + ".mp4");
    media::write_mp4_file(path, media::draw_pose_sequence(options));
    return read_text_file(path.string());
  }

  struct SampleAssets {
    std::string image;
    std::string video;
  };
  // A 64x64 reference image and a 64x64 pose video of `frames`, owned by the
  // tenant of `key`.
  SampleAssets upload_samples(const char* key = kAliceKey, int frames = 5) {
    SampleAssets assets;
    EXPECT_TRUE(upload(v1::ASSET_KIND_REFERENCE_IMAGE, png_bytes(64), &assets.image, key).ok());
    EXPECT_TRUE(upload(v1::ASSET_KIND_POSE_VIDEO, mp4_bytes(64, frames), &assets.video, key).ok());
    return assets;
  }

  // CreateJob of a 64x64, 5-frame job on `assets` as the tenant of `key`,
  // after `edit` changed the request.
  grpc::Status create_job(
      const char* key, const SampleAssets& assets, v1::CreateJobResponse* response,
      const std::function<void(v1::CreateJobRequest&)>& edit = [](v1::CreateJobRequest&) {}) {
    v1::CreateJobRequest request;
    request.mutable_params()->set_reference_image_asset_id(assets.image);
    request.mutable_params()->set_pose_video_asset_id(assets.video);
    request.mutable_params()->set_width(64);
    request.mutable_params()->set_height(64);
    request.mutable_params()->set_frame_count(5);
    edit(request);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    context.AddMetadata("authorization", std::string("Bearer ") + key);
    return stub_->CreateJob(&context, request, response);
  }

  // Every line of the log parsed as JSON (a line that is not fails the test).
  std::vector<nlohmann::json> log_events() const {
    std::vector<nlohmann::json> events;
    std::istringstream lines(read_text_file(log_));
    for (std::string line; std::getline(lines, line);) {
      if (!nlohmann::json::accept(line)) {
        ADD_FAILURE() << "not a JSON line: " << line;
        continue;
      }
      events.push_back(nlohmann::json::parse(line));
    }
    return events;
  }

  std::filesystem::path dir_;
  std::string keys_;
  std::string log_;
  std::unique_ptr<jobs::testing::RedisServer> redis_;
  int grpc_port_ = 0;
  int status_port_ = 0;
  std::unique_ptr<ChildProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AnimateService::Stub> stub_;
};

TEST_F(ServerProcess, ServesLogsReloadsDrainsAndNeverLogsASecret) {
  start();
  EXPECT_EQ(http_request(status_port_, "/healthz").status, 200);
  EXPECT_NE(http_request(status_port_, "/metrics").body.find("animate_server_auth_disabled 0"),
            std::string::npos);

  // Stalled scrapers hold connections; concurrent scrapes are still answered
  // at once (the endpoint used to serve one connection at a time, 2 s each).
  EXPECT_EQ(
      animate::testing::scrapes_answered_while_clients_stall(status_port_, "animate_jobs_pending"),
      4);

  EXPECT_EQ(list_jobs(kAliceKey, "req-42"), grpc::StatusCode::OK);
  EXPECT_EQ(list_jobs(kWrongKey), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(list_jobs(kBobKey), grpc::StatusCode::UNAUTHENTICATED);

  // SIGHUP: bob's key is valid from now on; the process keeps serving.
  write_keys(std::string(kAliceKey) + " alice\n" + kBobKey + " bob\n");
  server_->signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return list_jobs(kBobKey) == grpc::StatusCode::OK; }, 10s))
      << read_text_file(log_);
  EXPECT_TRUE(server_->running());

  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(30s), 0) << read_text_file(log_);

  const std::string log = read_text_file(log_);
  for (const char* secret : {kRedisPassword, kAliceKey, kBobKey, kWrongKey}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " logged:\n" << log;
  }
  bool saw_request = false, saw_unauthenticated = false, saw_reload = false, saw_stop = false;
  for (const auto& event : log_events()) {
    EXPECT_EQ(event["component"], "server");
    EXPECT_TRUE(event.contains("time") && event.contains("level") && event.contains("message"));
    if (event["message"] == "request" && event["method"] == "ListJobs" && event["code"] == "OK" &&
        event["tenant"] == "alice" && event.value("request_id", "") == "req-42") {
      saw_request = event["duration_ms"].is_number();
    }
    if (event["message"] == "request" && event["code"] == "UNAUTHENTICATED") {
      saw_unauthenticated = true;
    }
    saw_reload = saw_reload || event["message"] == "API keys reloaded";
    saw_stop = saw_stop || event["message"] == "stopped";
  }
  EXPECT_TRUE(saw_request && saw_unauthenticated && saw_reload && saw_stop) << log;
}

TEST_F(ServerProcess, ASecondSigtermExitsWithoutWaitingForTheGrace) {
  start({"--shutdown-seconds", "120"});
  // An upload that never finishes keeps a call in flight through the drain.
  grpc::ClientContext context;
  context.AddMetadata("authorization", std::string("Bearer ") + kAliceKey);
  v1::UploadAssetResponse response;
  auto upload = stub_->UploadAsset(&context, &response);
  v1::UploadAssetRequest header;
  header.mutable_header()->set_kind(v1::ASSET_KIND_REFERENCE_IMAGE);
  header.mutable_header()->set_size_bytes(1000);
  header.mutable_header()->set_sha256(std::string(64, 'a'));
  ASSERT_TRUE(upload->Write(header));

  server_->signal(SIGTERM);
  EXPECT_TRUE(eventually([&] { return http_request(status_port_, "/readyz").status != 200; }, 10s));
  EXPECT_TRUE(server_->running()) << "the first signal drains";
  const auto before = std::chrono::steady_clock::now();
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait_exit(30s), 1) << read_text_file(log_);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 30s);
  EXPECT_NE(read_text_file(log_).find("second stop signal"), std::string::npos);
  context.TryCancel();
}

// A server that cannot reach Redis cannot queue jobs: it reports NOT_SERVING
// (gRPC health, /readyz) from its start until Redis answers, and SERVING once
// it does. The Redis here accepts connections but answers nothing (stopped),
// so every command waits for the client's timeout: the server used to report
// SERVING for those seconds.
TEST_F(ServerProcess, NotServingUntilRedisAnswers) {
  redis_->pause();
  ChildProcess server({ANIMATE_SERVER_BINARY, "--listen", "127.0.0.1:" + std::to_string(grpc_port_),
                       "--metrics-listen", "127.0.0.1:" + std::to_string(status_port_),
                       "--redis-url", redis_->url(), "--insecure-no-auth"},
                      log_);
  ASSERT_TRUE(
      eventually([&] { return animate::testing::grpc_health_status(grpc_port_) != -1; }, 30s))
      << read_text_file(log_);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(animate::testing::grpc_health_status(grpc_port_), 2);
    EXPECT_EQ(http_request(status_port_, "/readyz").status, 503);
    std::this_thread::sleep_for(200ms);
  }
  redis_->resume();
  EXPECT_TRUE(
      eventually([&] { return animate::testing::grpc_health_status(grpc_port_) == 1; }, 30s))
      << read_text_file(log_);
  EXPECT_EQ(http_request(status_port_, "/readyz").status, 200);
}

// Security by default: no keys file means no start, unless the operator says
// --insecure-no-auth, which is then visible in the log and on /metrics.
TEST_F(ServerProcess, AuthenticationIsRequiredUnlessExplicitlyDisabled) {
  const std::string log = (dir_ / "noauth.log").string();
  ChildProcess refused({ANIMATE_SERVER_BINARY, "--listen", "127.0.0.1:0", "--metrics-listen",
                        "127.0.0.1:0", "--redis-url", redis_->url()},
                       log);
  EXPECT_EQ(refused.wait_exit(30s), 2);
  EXPECT_NE(read_text_file(log).find("--api-keys-file: required"), std::string::npos)
      << read_text_file(log);

  ChildProcess open_server(
      {ANIMATE_SERVER_BINARY, "--listen", "127.0.0.1:" + std::to_string(grpc_port_),
       "--metrics-listen", "127.0.0.1:" + std::to_string(status_port_), "--redis-url",
       redis_->url(), "--insecure-no-auth"},
      log_);
  ASSERT_TRUE(eventually([&] { return http_request(status_port_, "/readyz").status == 200; }, 20s))
      << read_text_file(log_);
  EXPECT_NE(http_request(status_port_, "/metrics").body.find("animate_server_auth_disabled 1"),
            std::string::npos);
  channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port_),
                                 grpc::InsecureChannelCredentials());
  stub_ = v1::AnimateService::NewStub(channel_);
  EXPECT_EQ(list_jobs(""), grpc::StatusCode::OK) << "anyone is tenant 'default'";
  bool warned = false;
  for (const auto& event : log_events()) {
    warned = warned || (event["level"] == "warning" &&
                        event["message"].get<std::string>().find("authentication is OFF") !=
                            std::string::npos);
  }
  EXPECT_TRUE(warned) << read_text_file(log_);
}

// A malformed job id is the caller's error (INVALID_ARGUMENT naming the field
// and the format); a well-formed unknown one is NOT_FOUND.
TEST_F(ServerProcess, MalformedJobIdsAreInvalidArguments) {
  start();
  grpc::Status last;
  const auto get = [&](const std::string& id, std::string* message) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    context.AddMetadata("authorization", std::string("Bearer ") + kAliceKey);
    v1::GetJobRequest request;
    request.set_job_id(id);
    v1::GetJobResponse response;
    last = stub_->GetJob(&context, request, &response);
    *message = last.error_message();
    return last.error_code();
  };
  std::string message;
  EXPECT_EQ(get("not-a-job", &message), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(message.find("job_id"), std::string::npos) << message;
  EXPECT_NE(message.find("28 lowercase hex digits"), std::string::npos) << message;
  // The same facts as google.rpc.Status details (grpc-status-details-bin),
  // which generic gRPC tooling decodes.
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(last.error_details()));
  EXPECT_EQ(rich.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  google::rpc::ErrorInfo info;
  google::rpc::BadRequest bad_request;
  for (const auto& detail : rich.details()) {
    if (detail.Is<google::rpc::ErrorInfo>()) detail.UnpackTo(&info);
    if (detail.Is<google::rpc::BadRequest>()) detail.UnpackTo(&bad_request);
  }
  EXPECT_EQ(info.reason(), "INVALID_ARGUMENT");
  EXPECT_EQ(info.domain(), "animate.v1");
  EXPECT_EQ(info.metadata().at("field"), "job_id");
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "job_id");
  EXPECT_EQ(get(std::string(5000, 'z'), &message), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(message.size(), 200u) << "a long id is not echoed back";
  EXPECT_EQ(get("0000000000000000000000000000", &message), grpc::StatusCode::NOT_FOUND);
}

// A 1x1 reference image used to be accepted, and a job on it ran: images and
// pose frames below --min-image-side (64) are refused at upload, naming the
// size and the minimum.
TEST_F(ServerProcess, TinyImagesAndPoseFramesAreRefused) {
  media::set_ffmpeg_log_level(media::FfmpegLogLevel::kError);
  start();
  grpc::Status status = upload(v1::ASSET_KIND_REFERENCE_IMAGE, png_bytes(1));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("reference image is 1x1: below the minimum of 64 pixels"),
            std::string::npos)
      << status.error_message();
  status = upload(v1::ASSET_KIND_REFERENCE_POSE_IMAGE, png_bytes(63));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  status = upload(v1::ASSET_KIND_POSE_VIDEO, mp4_bytes(32, 5));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("pose video is 32x32"), std::string::npos)
      << status.error_message();
  EXPECT_TRUE(upload(v1::ASSET_KIND_REFERENCE_IMAGE, png_bytes(64)).ok());
  EXPECT_TRUE(upload(v1::ASSET_KIND_POSE_VIDEO, mp4_bytes(64, 5)).ok());
}

// What one job may cost is capped by the operator: steps (--max-steps, 100),
// max_run_time (--max-run-seconds, 6 h; also given to jobs that ask none) and
// the frames of "all pose frames" (frame_count 0) under --max-output-frames.
TEST_F(ServerProcess, JobCostIsCappedAtCreateJob) {
  media::set_ffmpeg_log_level(media::FfmpegLogLevel::kError);
  start({"--max-output-frames", "5"});
  const SampleAssets assets = upload_samples(kAliceKey, 9);
  v1::CreateJobResponse response;
  grpc::Status status =
      create_job(kAliceKey, assets, &response, [](auto& r) { r.mutable_params()->set_steps(101); });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("[1, 100] (--max-steps)"), std::string::npos)
      << status.error_message();
  status = create_job(kAliceKey, assets, &response,
                      [](auto& r) { r.mutable_max_run_time()->set_seconds(7 * 3600); });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("at most 21600 s (--max-run-seconds)"), std::string::npos)
      << status.error_message();
  status = create_job(kAliceKey, assets, &response,
                      [](auto& r) { r.mutable_params()->set_frame_count(0); });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("0 means all pose frames: 9 here, more than "
                                        "--max-output-frames 5"),
            std::string::npos)
      << status.error_message();
  status =
      create_job(kAliceKey, assets, &response, [](auto& r) { r.mutable_params()->set_steps(100); });
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// One tenant cannot fill the queue for everyone: with a per-tenant quota
// below the global bound (defaults 100 and 1000; 20 and 40 here, to stay
// quick) tenant A is refused at its own quota, tenant B still submits, and
// B's job is claimed before A's backlog.
TEST_F(ServerProcess, OneTenantCannotCrowdOutAnother) {
  media::set_ffmpeg_log_level(media::FfmpegLogLevel::kError);
  write_keys(std::string(kAliceKey) + " alice\n" + kBobKey + " bob\n");
  start({"--max-queued-jobs", "40", "--max-queued-per-tenant", "20"});
  const SampleAssets alice = upload_samples(kAliceKey);
  const SampleAssets bob = upload_samples(kBobKey);
  v1::CreateJobResponse response;
  int alice_jobs = 0;
  grpc::Status status;
  while ((status = create_job(kAliceKey, alice, &response)).ok()) ++alice_jobs;
  EXPECT_EQ(alice_jobs, 20);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("alice has 20 queued jobs"), std::string::npos)
      << status.error_message();
  ASSERT_TRUE(create_job(kBobKey, bob, &response).ok());
  const std::string bob_job = response.job().job_id();

  // A worker's claims: alice's first job, then bob's (fair share), not
  // alice's next 19.
  const auto pool = jobs::ConnectionPool::create(jobs::RedisOptions::from_url(redis_->url()));
  jobs::JobQueue queue(pool, jobs::QueueConfig{});
  jobs::ClaimOptions claim;
  claim.worker_id = "w";
  const auto first = queue.claim(claim);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->job.tenant, "alice");
  const auto second = queue.claim(claim);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->job_id, bob_job);
}

// gRPC resources are bounded: a client connection gets at most
// --max-concurrent-streams calls at once (more wait), and a connection idle
// for --max-connection-idle-seconds is closed. Before, both were unlimited.
TEST_F(ServerProcess, StreamsPerConnectionAndIdleConnectionsAreBounded) {
  media::set_ffmpeg_log_level(media::FfmpegLogLevel::kError);
  start({"--max-concurrent-streams", "2", "--max-connection-idle-seconds", "2"});
  v1::CreateJobResponse created;
  ASSERT_TRUE(create_job(kAliceKey, upload_samples(), &created).ok());

  // Two watches of the queued job hold both streams of this connection.
  std::vector<std::unique_ptr<grpc::ClientContext>> watch_contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::WatchJobResponse>>> watches;
  for (int i = 0; i < 2; ++i) {
    watch_contexts.push_back(std::make_unique<grpc::ClientContext>());
    watch_contexts.back()->AddMetadata("authorization", std::string("Bearer ") + kAliceKey);
    v1::WatchJobRequest watch;
    watch.set_job_id(created.job().job_id());
    watches.push_back(stub_->WatchJob(watch_contexts.back().get(), watch));
    v1::WatchJobResponse first;
    ASSERT_TRUE(watches.back()->Read(&first));  // the stream is open
  }
  grpc::ClientContext third;
  third.set_deadline(std::chrono::system_clock::now() + 1500ms);
  third.AddMetadata("authorization", std::string("Bearer ") + kAliceKey);
  v1::ListJobsResponse listed;
  EXPECT_EQ(stub_->ListJobs(&third, v1::ListJobsRequest(), &listed).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED)
      << "a third concurrent call on the connection must wait";
  for (auto& context : watch_contexts) context->TryCancel();
  for (auto& watch : watches) watch->Finish();
  EXPECT_EQ(list_jobs(kAliceKey), grpc::StatusCode::OK) << "served once a stream is free";

  // Idle for longer than 2 s: the server closes the connection (GOAWAY) and
  // the channel goes back to IDLE; the next call reconnects.
  ASSERT_EQ(channel_->GetState(false), GRPC_CHANNEL_READY);
  EXPECT_TRUE(eventually([&] { return channel_->GetState(false) == GRPC_CHANNEL_IDLE; }, 10s));
  EXPECT_EQ(list_jobs(kAliceKey), grpc::StatusCode::OK);
}

// A tenant cannot put its jobs ahead of everyone's: by default the highest
// priority it may ask for is 0 (it may lower its own jobs); a keys-file line
// can give a tenant more. Any tenant could ask for 100 before.
TEST_F(ServerProcess, PriorityIsCappedPerTenant) {
  media::set_ffmpeg_log_level(media::FfmpegLogLevel::kError);
  write_keys(std::string(kAliceKey) + " alice\n" + kBobKey + " bob 50\n");
  start();
  const SampleAssets alice = upload_samples(kAliceKey);
  const SampleAssets bob = upload_samples(kBobKey);
  const auto create = [&](const char* key, const SampleAssets& assets, int priority) {
    v1::CreateJobResponse response;
    return create_job(key, assets, &response, [&](auto& r) { r.set_priority(priority); });
  };
  const grpc::Status jump = create(kAliceKey, alice, 5);
  EXPECT_EQ(jump.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(jump.error_message().find("priority: must be in [-100, 0], got 5"), std::string::npos)
      << jump.error_message();
  EXPECT_TRUE(create(kAliceKey, alice, -5).ok()) << "lowering one's own jobs is fine";
  EXPECT_TRUE(create(kBobKey, bob, 50).ok()) << "bob's line allows 50";
  EXPECT_EQ(create(kBobKey, bob, 51).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServerProcess, BadFlagsAndVariablesAreNamed) {
  const std::string log = (dir_ / "bad.log").string();
  ChildProcess flag({ANIMATE_SERVER_BINARY, "--max-upload-bytes", "lots"}, log);
  EXPECT_EQ(flag.wait_exit(30s), 2);
  EXPECT_NE(read_text_file(log).find("--max-upload-bytes: expected a whole number"),
            std::string::npos)
      << read_text_file(log);
  ChildProcess env({ANIMATE_SERVER_BINARY}, log, {{"ANIMATE_LOG_LEVEL", "loud"}});
  EXPECT_EQ(env.wait_exit(30s), 2);
  EXPECT_NE(read_text_file(log).find("ANIMATE_LOG_LEVEL (--log-level): expected debug, info, "
                                     "warning or error, got 'loud'"),
            std::string::npos)
      << read_text_file(log);
  ChildProcess help({ANIMATE_SERVER_BINARY, "--help"}, log);
  EXPECT_EQ(help.wait_exit(30s), 0);
  const std::string usage = read_text_file(log);
  EXPECT_NE(usage.find("--api-keys-file VALUE  (env ANIMATE_API_KEYS_FILE)"), std::string::npos);
  EXPECT_NE(usage.find("default: '0.0.0.0:50051'"), std::string::npos) << usage;
}

}  // namespace
}  // namespace animate::server
