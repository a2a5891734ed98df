// The server end to end, in-process, against a private redis-server: uploads
// (validation before storage, dedupe), the job API, idempotency, quotas,
// tenant isolation, watch replay and live follow, results, health, metrics,
// graceful shutdown. A test plays the worker through jobs::JobQueue.
#include <grpcpp/generic/generic_stub.h>

#include <future>
#include <thread>

#include "animate/jobs/asset_store.h"
#include "animate/testing/http_probe.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "server_fixture.h"
#include "sha256.h"

namespace animate::server::testing {
namespace {

using std::chrono::milliseconds;

std::string trailer(const std::multimap<std::string, std::string>& trailers,
                    const std::string& key) {
  const auto found = trailers.find(key);
  return found == trailers.end() ? std::string() : found->second;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Plays a worker: claims the job, reports progress, appends the given MP4
// pieces, succeeds. Returns the whole "MP4".
std::string run_worker(jobs::JobQueue& queue, const std::vector<std::string>& pieces) {
  jobs::ClaimOptions options;
  options.worker_id = "test-worker";
  options.wait = std::chrono::seconds(5);
  auto lease = queue.claim(options);
  if (!lease) throw std::runtime_error("nothing to claim");
  for (std::uint32_t step = 1; step <= 3; ++step) {
    jobs::Progress progress;
    progress.stage = jobs::Stage::kDenoising;
    progress.step = step;
    progress.total_steps = 3;
    progress.window = 1;
    progress.total_windows = 1;
    progress.fraction = step / 3.0;
    queue.report_progress(*lease, progress);
  }
  std::string whole;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    queue.append_result(*lease, pieces[i], i == 0);
    whole += pieces[i];
  }
  jobs::ResultInfo result;
  result.size_bytes = whole.size();
  result.sha256 = sha256_hex(whole);
  result.width = 480;
  result.height = 832;
  result.frame_count = 81;
  result.fps = 16;
  queue.succeed(*lease, result);
  return whole;
}

// Value of the sample whose line starts with `name{` and has all `labels`.
std::optional<double> sample_value(const std::string& exposition, const std::string& name,
                                   const std::vector<std::string>& labels) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
    bool all = true;
    for (const auto& label : labels) all = all && contains(line, label);
    if (!all) continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return std::nullopt;
}

// ------------------------------------------------------------------ uploads

TEST_F(ServerTest, UploadValidatesStoresAndDeduplicates) {
  start(base_config());
  const auto image = upload(v1::ASSET_KIND_REFERENCE_IMAGE, sample_png());
  ASSERT_TRUE(image.status.ok()) << image.status.error_message();
  const v1::Asset& asset = image.response.asset();
  EXPECT_FALSE(image.response.deduplicated());
  EXPECT_EQ(asset.sha256(), sha256_hex(sample_png()));
  EXPECT_EQ(asset.asset_id(), "refimg_" + asset.sha256());
  EXPECT_EQ(asset.media().format(), "png");
  EXPECT_EQ(asset.media().width(), 64u);
  EXPECT_EQ(asset.size_bytes(), sample_png().size());

  // Same content again: answered after the header.
  const auto again = upload(v1::ASSET_KIND_REFERENCE_IMAGE, sample_png());
  ASSERT_TRUE(again.status.ok()) << again.status.error_message();
  EXPECT_TRUE(again.response.deduplicated());
  EXPECT_EQ(again.response.asset().asset_id(), asset.asset_id());

  const auto video =
      upload(v1::ASSET_KIND_POSE_VIDEO, sample_mp4(), {}, std::nullopt, std::nullopt, 1000);
  ASSERT_TRUE(video.status.ok()) << video.status.error_message();
  EXPECT_EQ(video.response.asset().media().codec(), "h264");
  EXPECT_GT(video.response.asset().media().frame_count(), 0u);
}

TEST_F(ServerTest, BadUploadsAreRejectedPreciselyAndLeaveNothing) {
  ServerConfig config = base_config();
  config.max_upload_bytes = 200000;
  start(config);
  const std::size_t keys_before = count_keys("*");

  std::string corrupt = sample_png();
  corrupt.resize(corrupt.size() / 2);
  const auto truncated = upload(v1::ASSET_KIND_REFERENCE_IMAGE, corrupt);
  EXPECT_EQ(truncated.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(trailer(truncated.trailers, "animate-field"), "chunk");
  EXPECT_TRUE(contains(truncated.status.error_message(), "reference image"))
      << truncated.status.error_message();

  const auto not_video = upload(v1::ASSET_KIND_POSE_VIDEO, std::string(5000, 'x'));
  EXPECT_EQ(not_video.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(contains(not_video.status.error_message(), "pose video"))
      << not_video.status.error_message();

  const auto oversized = upload(v1::ASSET_KIND_POSE_VIDEO, std::string(300000, 'x'));
  EXPECT_EQ(oversized.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(trailer(oversized.trailers, "animate-field"), "header.size_bytes");
  EXPECT_TRUE(contains(oversized.status.error_message(), "max_upload_bytes = 200000"))
      << oversized.status.error_message();

  const auto wrong_hash =
      upload(v1::ASSET_KIND_REFERENCE_IMAGE, sample_png(), {}, std::nullopt, std::string(64, 'a'));
  EXPECT_EQ(wrong_hash.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(trailer(wrong_hash.trailers, "animate-field"), "header.sha256");

  const auto short_upload =
      upload(v1::ASSET_KIND_REFERENCE_IMAGE, sample_png(), {}, sample_png().size() + 10);
  EXPECT_EQ(short_upload.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(contains(short_upload.status.error_message(), "received"));

  const auto no_kind = upload(v1::ASSET_KIND_UNSPECIFIED, sample_png());
  EXPECT_EQ(trailer(no_kind.trailers, "animate-field"), "header.kind");

  EXPECT_EQ(count_keys("*"), keys_before);
  EXPECT_EQ(count_keys("blob:*"), 0u);
}

// ------------------------------------------------------------------ job API

TEST_F(ServerTest, CreateGetListCancelDelete) {
  ServerConfig config = base_config();
  config.max_tenant_priority = 10;  // the request below asks for 5
  start(config);
  const auto [image, video] = upload_samples();

  v1::CreateJobResponse created;
  auto request = job_request(image, video);
  request.set_priority(5);
  const auto outcome = create(request, &created);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
  const v1::Job& job = created.job();
  EXPECT_EQ(job.state(), v1::JOB_STATE_QUEUED);
  EXPECT_EQ(job.queue_position(), 1u);
  EXPECT_FALSE(created.existing());
  // Defaults filled in and the seed resolved.
  EXPECT_EQ(job.params().width(), 480u);
  EXPECT_EQ(job.params().height(), 832u);
  EXPECT_EQ(job.params().steps(), 50u);
  EXPECT_FLOAT_EQ(job.params().cfg_scale(), 1.5f);
  EXPECT_TRUE(job.params().has_seed());
  EXPECT_EQ(job.params().prompt(), "a person is dancing");
  EXPECT_FALSE(job.params().negative_prompt().empty());

  v1::GetJobRequest get;
  get.set_job_id(job.job_id());
  v1::GetJobResponse got;
  ASSERT_TRUE(stub_->GetJob(context().get(), get, &got).ok());
  EXPECT_EQ(got.job().job_id(), job.job_id());
  EXPECT_EQ(got.job().priority(), 5);

  v1::CreateJobResponse second;
  ASSERT_TRUE(create(job_request(image, video), &second).status.ok());

  v1::ListJobsRequest list;
  list.set_page_size(1);
  v1::ListJobsResponse page;
  ASSERT_TRUE(stub_->ListJobs(context().get(), list, &page).ok());
  ASSERT_EQ(page.jobs_size(), 1);
  EXPECT_EQ(page.jobs(0).job_id(), second.job().job_id());  // newest first
  ASSERT_FALSE(page.next_page_token().empty());
  list.set_page_token(page.next_page_token());
  v1::ListJobsResponse rest;
  ASSERT_TRUE(stub_->ListJobs(context().get(), list, &rest).ok());
  ASSERT_EQ(rest.jobs_size(), 1);
  EXPECT_EQ(rest.jobs(0).job_id(), job.job_id());

  // Delete refuses a queued job; cancel then delete.
  v1::DeleteJobRequest remove;
  remove.set_job_id(job.job_id());
  v1::DeleteJobResponse removed;
  EXPECT_EQ(stub_->DeleteJob(context().get(), remove, &removed).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  v1::CancelJobRequest cancel;
  cancel.set_job_id(job.job_id());
  v1::CancelJobResponse cancelled;
  ASSERT_TRUE(stub_->CancelJob(context().get(), cancel, &cancelled).ok());
  EXPECT_EQ(cancelled.job().state(), v1::JOB_STATE_CANCELLED);

  list.Clear();
  list.set_state(v1::JOB_STATE_CANCELLED);
  v1::ListJobsResponse cancelled_jobs;
  ASSERT_TRUE(stub_->ListJobs(context().get(), list, &cancelled_jobs).ok());
  ASSERT_EQ(cancelled_jobs.jobs_size(), 1);

  ASSERT_TRUE(stub_->DeleteJob(context().get(), remove, &removed).ok());
  EXPECT_EQ(stub_->GetJob(context().get(), get, &got).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerTest, InvalidParametersNameTheFieldAndTheLimit) {
  start(base_config());
  const auto [image, video] = upload_samples();
  struct Case {
    std::function<void(v1::CreateJobRequest&)> edit;
    std::string field;
    grpc::StatusCode code;
  };
  const std::vector<Case> cases = {
      {[](auto& r) { r.mutable_params()->set_steps(0); }, "params.steps",
       grpc::StatusCode::INVALID_ARGUMENT},
      {[](auto& r) { r.mutable_params()->set_frame_count(80); }, "params.frame_count",
       grpc::StatusCode::INVALID_ARGUMENT},
      {[](auto& r) { r.mutable_params()->set_width(500), r.mutable_params()->set_height(832); },
       "params.width", grpc::StatusCode::INVALID_ARGUMENT},
      {[](auto& r) { r.mutable_params()->set_crf(60); }, "params.crf",
       grpc::StatusCode::INVALID_ARGUMENT},
      {[](auto& r) { r.set_priority(1000); }, "priority", grpc::StatusCode::INVALID_ARGUMENT},
      {[](auto& r) { r.mutable_params()->clear_pose_video_asset_id(); },
       "params.pose_video_asset_id", grpc::StatusCode::INVALID_ARGUMENT},
      {[&](auto& r) { r.mutable_params()->set_pose_video_asset_id(image); },
       "params.pose_video_asset_id", grpc::StatusCode::INVALID_ARGUMENT},
      {[](auto& r) {
         r.mutable_params()->set_reference_image_asset_id("refimg_" + std::string(64, 'b'));
       },
       "params.reference_image_asset_id", grpc::StatusCode::NOT_FOUND},
  };
  for (const Case& c : cases) {
    auto request = job_request(image, video);
    c.edit(request);
    v1::CreateJobResponse response;
    const auto outcome = create(request, &response);
    EXPECT_EQ(outcome.status.error_code(), c.code)
        << c.field << ": " << outcome.status.error_message();
    EXPECT_EQ(trailer(outcome.trailers, "animate-field"), c.field)
        << outcome.status.error_message();
  }
  auto request = job_request(image, video);
  request.mutable_params()->set_steps(5000);
  v1::CreateJobResponse response;
  EXPECT_TRUE(
      contains(create(request, &response).status.error_message(), "[1, 100] (--max-steps)"));
}

TEST_F(ServerTest, IdempotentResubmitAndConflict) {
  start(base_config());
  const auto [image, video] = upload_samples();
  auto request = job_request(image, video);
  request.set_idempotency_key("order-42");
  v1::CreateJobResponse first;
  ASSERT_TRUE(create(request, &first).status.ok());
  v1::CreateJobResponse again;
  ASSERT_TRUE(create(request, &again).status.ok());
  EXPECT_TRUE(again.existing());
  EXPECT_EQ(again.job().job_id(), first.job().job_id());
  EXPECT_EQ(again.job().params().seed(), first.job().params().seed());

  // The metadata form of the key works too.
  request.clear_idempotency_key();
  auto ctx = context();
  ctx->AddMetadata("idempotency-key", "order-42");
  v1::CreateJobResponse via_metadata;
  ASSERT_TRUE(stub_->CreateJob(ctx.get(), request, &via_metadata).ok());
  EXPECT_EQ(via_metadata.job().job_id(), first.job().job_id());

  request.set_idempotency_key("order-42");
  request.mutable_params()->set_steps(10);
  v1::CreateJobResponse conflict;
  EXPECT_EQ(create(request, &conflict).status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(ServerTest, FullQueueIsResourceExhaustedWithRetryHint) {
  ServerConfig config = base_config();
  config.max_queued_jobs = 2;
  start(config);
  const auto [image, video] = upload_samples();
  v1::CreateJobResponse response;
  ASSERT_TRUE(create(job_request(image, video), &response).status.ok());
  ASSERT_TRUE(create(job_request(image, video), &response).status.ok());
  const auto full = create(job_request(image, video), &response);
  EXPECT_EQ(full.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  const std::string retry_after = trailer(full.trailers, "retry-after-ms");
  EXPECT_FALSE(retry_after.empty());
  // The same hint as google.rpc.RetryInfo in the status details.
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(full.status.error_details()));
  google::rpc::RetryInfo retry;
  for (const auto& detail : rich.details()) {
    if (detail.Is<google::rpc::RetryInfo>()) detail.UnpackTo(&retry);
  }
  EXPECT_EQ(retry.retry_delay().seconds() * 1000 + retry.retry_delay().nanos() / 1000000,
            std::stoll(retry_after));
}

TEST_F(ServerTest, TenantsAreIsolated) {
  ServerConfig config = base_config();
  config.max_queued_per_tenant = 1;
  config.log.level = "info";
  config.log.format = "text";
  ::testing::internal::CaptureStderr();
  start(config, "# two tenants\nkey-alice alice\nkey-bob bob\n");

  v1::GetJobResponse got;
  EXPECT_EQ(stub_->GetJob(context().get(), v1::GetJobRequest(), &got).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(stub_->GetJob(context("wrong").get(), v1::GetJobRequest(), &got).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  const auto [image, video] = upload_samples("key-alice");
  v1::CreateJobResponse alice_job;
  ASSERT_TRUE(create(job_request(image, video), &alice_job, "key-alice").status.ok());
  // Per-tenant quota: alice has one queued job.
  v1::CreateJobResponse over;
  EXPECT_EQ(create(job_request(image, video), &over, "key-alice").status.error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  // Bob can neither see alice's job nor use her assets by id.
  v1::GetJobRequest get;
  get.set_job_id(alice_job.job().job_id());
  EXPECT_EQ(stub_->GetJob(context("key-bob").get(), get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::CancelJobRequest cancel;
  cancel.set_job_id(alice_job.job().job_id());
  v1::CancelJobResponse cancelled;
  EXPECT_EQ(stub_->CancelJob(context("key-bob").get(), cancel, &cancelled).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::CreateJobResponse bob_job;
  EXPECT_EQ(create(job_request(image, video), &bob_job, "key-bob").status.error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ListJobsResponse bob_list;
  ASSERT_TRUE(stub_->ListJobs(context("key-bob").get(), v1::ListJobsRequest(), &bob_list).ok());
  EXPECT_EQ(bob_list.jobs_size(), 0);

  // Knowing the hash is not enough: bob's header-only dedupe is refused, his
  // full upload of the same bytes is accepted (and then he owns the asset).
  const auto bob_image = upload(v1::ASSET_KIND_REFERENCE_IMAGE, sample_png(), "key-bob");
  ASSERT_TRUE(bob_image.status.ok()) << bob_image.status.error_message();
  EXPECT_EQ(bob_image.response.asset().asset_id(), image);

  // x-api-key works as well as Bearer.
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-api-key", "key-alice");
  ASSERT_TRUE(stub_->GetJob(&ctx, get, &got).ok());

  // One line per request with method, code and tenant; never a key.
  app_.reset();
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(contains(log, "method=GetJob code=NOT_FOUND")) << log;
  EXPECT_TRUE(contains(log, "tenant=alice"));
  EXPECT_TRUE(contains(log, "code=UNAUTHENTICATED"));
  EXPECT_FALSE(contains(log, "key-alice"));
  EXPECT_FALSE(contains(log, "key-bob"));
}

// ------------------------------------------------------------------ watch + result

TEST_F(ServerTest, WatchReplaysFromASequenceAndResultDownloads) {
  start(base_config());
  const auto [image, video] = upload_samples();
  v1::CreateJobResponse created;
  ASSERT_TRUE(create(job_request(image, video), &created).status.ok());
  const std::string job_id = created.job().job_id();
  const std::string mp4 = run_worker(*worker_queue_, {"INIT-SEGMENT", "FRAGMENT-1", "FRAG-2"});

  v1::WatchJobRequest watch;
  watch.set_job_id(job_id);
  watch.set_include_video(true);
  auto ctx = context();
  auto reader = stub_->WatchJob(ctx.get(), watch);
  std::vector<v1::WatchJobResponse> events;
  for (v1::WatchJobResponse event; reader->Read(&event);) events.push_back(event);
  ASSERT_TRUE(reader->Finish().ok());
  // queued, running, 3 progress, 3 chunks, succeeded.
  ASSERT_EQ(events.size(), 9u);
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].sequence(), i + 1);
  EXPECT_EQ(events.front().state_change().state(), v1::JOB_STATE_QUEUED);
  EXPECT_EQ(events[2].progress().step(), 1u);
  std::string streamed;
  for (const auto& event : events) {
    if (event.has_video_chunk()) streamed += event.video_chunk().data();
  }
  EXPECT_EQ(streamed, mp4);
  EXPECT_TRUE(events[5].video_chunk().init_segment());
  EXPECT_EQ(events.back().state_change().state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(events.back().state_change().result().sha256(), sha256_hex(mp4));

  // Resume after sequence 4, without video: nothing lost or repeated.
  watch.set_from_sequence(5);
  watch.set_include_video(false);
  auto ctx2 = context();
  auto resumed = stub_->WatchJob(ctx2.get(), watch);
  std::vector<std::uint64_t> sequences;
  for (v1::WatchJobResponse event; resumed->Read(&event);) sequences.push_back(event.sequence());
  ASSERT_TRUE(resumed->Finish().ok());
  EXPECT_EQ(sequences, (std::vector<std::uint64_t>{5, 9}));

  // From past the terminal event: the stream ends at once, empty.
  watch.set_from_sequence(10);
  auto ctx_after = context();
  ctx_after->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto after_end = stub_->WatchJob(ctx_after.get(), watch);
  int after_end_events = 0;
  for (v1::WatchJobResponse event; after_end->Read(&event);) ++after_end_events;
  EXPECT_TRUE(after_end->Finish().ok());
  EXPECT_EQ(after_end_events, 0);

  v1::GetResultRequest result;
  result.set_job_id(job_id);
  auto ctx3 = context();
  auto download = stub_->GetResult(ctx3.get(), result);
  std::string body;
  v1::ResultInfo info;
  for (v1::GetResultResponse piece; download->Read(&piece);) {
    if (piece.has_info()) info = piece.info();
    body += piece.data();
  }
  ASSERT_TRUE(download->Finish().ok());
  EXPECT_EQ(body, mp4);
  EXPECT_EQ(info.sha256(), sha256_hex(mp4));
  EXPECT_EQ(info.size_bytes(), mp4.size());

  result.set_offset(7);
  auto ctx4 = context();
  auto tail = stub_->GetResult(ctx4.get(), result);
  std::string tail_body;
  for (v1::GetResultResponse piece; tail->Read(&piece);) tail_body += piece.data();
  ASSERT_TRUE(tail->Finish().ok());
  EXPECT_EQ(tail_body, mp4.substr(7));

  result.set_offset(mp4.size() + 1);
  auto ctx5 = context();
  auto past = stub_->GetResult(ctx5.get(), result);
  for (v1::GetResultResponse piece; past->Read(&piece);) {
  }
  EXPECT_EQ(past->Finish().error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

TEST_F(ServerTest, WatchFollowsLiveAndResultNeedsSuccess) {
  start(base_config());
  const auto [image, video] = upload_samples();
  v1::CreateJobResponse created;
  ASSERT_TRUE(create(job_request(image, video), &created).status.ok());
  const std::string job_id = created.job().job_id();

  v1::GetResultRequest result;
  result.set_job_id(job_id);
  auto rctx = context();
  auto early = stub_->GetResult(rctx.get(), result);
  for (v1::GetResultResponse piece; early->Read(&piece);) {
  }
  EXPECT_EQ(early->Finish().error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  v1::WatchJobRequest watch;
  watch.set_job_id(job_id);
  watch.set_from_sequence(created.job().last_sequence() + 1);
  auto ctx = context();
  auto reader = stub_->WatchJob(ctx.get(), watch);
  std::vector<v1::WatchJobResponse> events;
  v1::WatchJobResponse event;
  // The first message of a queued job is its position.
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.sequence(), 0u);
  EXPECT_EQ(event.queue_position().position(), 1u);

  auto worker = std::async(std::launch::async, [&] { return run_worker(*worker_queue_, {"X"}); });
  while (reader->Read(&event)) events.push_back(event);
  ASSERT_TRUE(reader->Finish().ok());
  worker.get();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().state_change().state(), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(events.back().state_change().state(), v1::JOB_STATE_SUCCEEDED);
}

TEST_F(ServerTest, WatchOfTrimmedReplayIsOutOfRange) {
  start(base_config());
  const auto [image, video] = upload_samples();
  v1::CreateJobResponse created;
  ASSERT_TRUE(create(job_request(image, video), &created).status.ok());
  // Trim the stream as XADD MAXLEN would after many events.
  {
    auto connection = pool_->acquire();
    connection->command(
        {"XADD", "animate:events:" + created.job().job_id(), "0-50", "type", "progress"});
    connection->command({"XTRIM", "animate:events:" + created.job().job_id(), "MINID", "0-50"});
  }
  v1::WatchJobRequest watch;
  watch.set_job_id(created.job().job_id());
  watch.set_from_sequence(1);
  auto ctx = context();
  auto reader = stub_->WatchJob(ctx.get(), watch);
  for (v1::WatchJobResponse event; reader->Read(&event);) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

// ------------------------------------------------------------------ health, metrics, shutdown

TEST_F(ServerTest, HealthIsServing) {
  start(base_config());
  grpc::GenericStub generic(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  // HealthCheckRequest{service: ""} is the empty message.
  const grpc::Slice empty;
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                    [&](grpc::Status status) { done.set_value(status); });
  ASSERT_TRUE(done.get_future().get().ok());
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  // HealthCheckResponse{status: SERVING (1)}: field 1, varint 1.
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
}

// One request on the reflection stream; the raw response bytes ("" on error).
std::string reflect(const std::shared_ptr<grpc::Channel>& channel, const std::string& request) {
  grpc::GenericStub generic(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::CompletionQueue queue;
  auto call = generic.PrepareCall(
      &ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  const auto step = [&queue](int tag) {
    void* got = nullptr;
    bool ok = false;
    return queue.Next(&got, &ok) && ok && got == reinterpret_cast<void*>(tag);
  };
  std::string bytes;
  call->StartCall(reinterpret_cast<void*>(1));
  if (step(1)) {
    const grpc::Slice slice(request);
    grpc::ByteBuffer buffer(&slice, 1);
    call->Write(buffer, reinterpret_cast<void*>(2));
    grpc::ByteBuffer response;
    if (step(2)) {
      call->Read(&response, reinterpret_cast<void*>(3));
      if (step(3)) {
        std::vector<grpc::Slice> slices;
        if (response.Dump(&slices).ok()) {
          for (const auto& piece : slices) {
            bytes.append(reinterpret_cast<const char*>(piece.begin()), piece.size());
          }
        }
      }
    }
    call->WritesDone(reinterpret_cast<void*>(4));
    step(4);
    grpc::Status status;
    call->Finish(&status, reinterpret_cast<void*>(5));
    step(5);
  }
  queue.Shutdown();
  for (void* tag = nullptr; [&] {
         bool ok;
         return queue.Next(&tag, &ok);
       }();) {
  }
  return bytes;
}

TEST_F(ServerTest, ReflectionListsAndDescribesTheServices) {
  start(base_config());
  // ServerReflectionRequest{list_services: ""}: field 7, length-delimited, empty.
  const std::string listed = reflect(channel_, std::string("\x3a\x00", 2));
  EXPECT_TRUE(contains(listed, "animate.v1.AnimateService"));
  EXPECT_TRUE(contains(listed, "grpc.health.v1.Health"));
  // file_containing_symbol (field 4) for each: a FileDescriptorResponse
  // (field 4 of the response) holding the schema, not an ErrorResponse
  // (field 7: "not found"), which is what reflection tools used to get for
  // the health service.
  for (const std::string symbol : {"animate.v1.AnimateService", "grpc.health.v1.Health"}) {
    const std::string request = std::string("\x22") + static_cast<char>(symbol.size()) + symbol;
    const std::string described = reflect(channel_, request);
    EXPECT_FALSE(contains(described, "not found")) << symbol;
    EXPECT_TRUE(contains(described, symbol.substr(symbol.rfind('.') + 1))) << symbol;
  }
  EXPECT_TRUE(contains(reflect(channel_, std::string("\x22\x15grpc.health.v1.Health")),
                       "HealthCheckResponse"));
}

TEST_F(ServerTest, MetricsCountCallsByMethodAndCode) {
  start(base_config());
  const auto [image, video] = upload_samples();
  v1::CreateJobResponse created;
  ASSERT_TRUE(create(job_request(image, video), &created).status.ok());
  v1::GetJobRequest missing;
  missing.set_job_id("000000000000aaaaaaaaaaaaaaaa");
  v1::GetJobResponse got;
  EXPECT_EQ(stub_->GetJob(context().get(), missing, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);

  ASSERT_GT(app_->metrics_port(), 0);
  std::string body;
  // The pending gauge is refreshed by the maintenance loop (about 1/s).
  for (int i = 0; i < 40; ++i) {
    const auto reply = animate::testing::http_request(app_->metrics_port(), "/metrics");
    ASSERT_EQ(reply.status, 200);
    body = reply.body;
    if (sample_value(body, "animate_jobs_pending", {}).value_or(0) >= 1) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(sample_value(body, "animate_grpc_calls_total", {"method=\"CreateJob\"", "code=\"OK\""}),
            1.0);
  EXPECT_EQ(
      sample_value(body, "animate_grpc_calls_total", {"method=\"GetJob\"", "code=\"NOT_FOUND\""}),
      1.0);
  EXPECT_EQ(
      sample_value(body, "animate_grpc_calls_total", {"method=\"UploadAsset\"", "code=\"OK\""}),
      2.0);
  EXPECT_EQ(sample_value(body, "animate_upload_bytes_total", {"kind=\"pose_video\""}),
            static_cast<double>(sample_mp4().size()));
  EXPECT_EQ(sample_value(body, "animate_jobs_created_total", {}), 1.0);
  EXPECT_EQ(sample_value(body, "animate_jobs_pending", {}), 1.0);
  EXPECT_TRUE(contains(body, "# TYPE animate_grpc_calls_total counter"));
}

TEST_F(ServerTest, ShutdownEndsWatchStreamsWithUnavailable) {
  start(base_config());
  const auto [image, video] = upload_samples();
  v1::CreateJobResponse created;
  ASSERT_TRUE(create(job_request(image, video), &created).status.ok());
  v1::WatchJobRequest watch;
  watch.set_job_id(created.job().job_id());
  auto ctx = context();
  auto reader = stub_->WatchJob(ctx.get(), watch);
  v1::WatchJobResponse event;
  ASSERT_TRUE(reader->Read(&event));  // the queued state: the stream is live

  const auto started = std::chrono::steady_clock::now();
  std::thread stopper([&] { app_->shutdown(); });
  while (reader->Read(&event)) {
  }
  const grpc::Status status = reader->Finish();
  stopper.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

}  // namespace
}  // namespace animate::server::testing
