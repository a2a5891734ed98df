#include "load_phases.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "animate/v1/animate_service.grpc.pb.h"
#include "asset_upload.h"
#include "media/ffmpeg_log.h"
#include "media/sample_inputs.h"
#include "png_writer.h"
#include "rpc_error.h"

namespace animate::loadgen {
namespace {

using Clock = std::chrono::steady_clock;
using Stub = animate::v1::AnimateService::Stub;

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

// Hands out call slots until the request budget or the deadline is used up;
// shared by the phase's threads so the total is exact.
class Budget {
 public:
  Budget(const LoadOptions& options, std::uint64_t requests)
      : requests_(requests),
        deadline_(Clock::now() +
                  std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double>(requests > 0 ? 600.0 : options.duration_s))) {}
  // The index of the next call, or -1 when the phase is over.
  std::int64_t next() {
    if (Clock::now() >= deadline_) return -1;
    const std::uint64_t index = issued_.fetch_add(1);
    if (requests_ > 0 && index >= requests_) return -1;
    return static_cast<std::int64_t>(index);
  }

 private:
  std::uint64_t requests_;
  Clock::time_point deadline_;
  std::atomic<std::uint64_t> issued_{0};
};

// Runs body(stub, samples, call_index) on every channel until the budget ends.
PhaseResult run_threads(
    const LoadOptions& options, Budget& budget,
    const std::function<std::uint64_t(Stub&, LatencySamples&, std::int64_t)>& body) {
  std::vector<LatencySamples> samples(static_cast<std::size_t>(options.channels));
  std::vector<std::uint64_t> bytes(samples.size(), 0);
  std::vector<std::unique_ptr<Stub>> stubs;
  for (int i = 0; i < options.channels; ++i) {
    auto channel = client::make_channel(options.connection, /*own_connection=*/true);
    // Connect before the clock starts: connection setup is not a call.
    channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
    stubs.push_back(animate::v1::AnimateService::NewStub(channel));
  }
  const auto start = Clock::now();
  {
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < samples.size(); ++t) {
      threads.emplace_back([&, t] {
        for (std::int64_t index = budget.next(); index >= 0; index = budget.next()) {
          bytes[t] += body(*stubs[t], samples[t], index);
        }
      });
    }
    for (auto& thread : threads) thread.join();
  }
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  LatencySamples merged;
  PhaseResult result;
  for (std::size_t t = 0; t < samples.size(); ++t) {
    merged.merge(samples[t]);
    result.bytes += bytes[t];
  }
  result.latency = merged.summarize(wall);
  return result;
}

void record(LatencySamples& samples, const grpc::Status& status, Clock::time_point start) {
  if (status.ok()) {
    samples.ok_ms.push_back(elapsed_ms(start));
  } else {
    ++samples.errors[client::status_code_name(status.error_code())];
  }
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace

animate::v1::JobParams prepare_job_params(const LoadOptions& options) {
  // The sample pose video is made by media/ (the server probes uploads, so it
  // must be a real MP4); the reference image is a small noise PNG.
  const auto folder =
      std::filesystem::temp_directory_path() / ("animate-loadgen-" + std::to_string(::getpid()));
  // libx264 prints its statistics at info level; they would garble the report.
  media::set_ffmpeg_log_level(media::FfmpegLogLevel::kError);
  media::SampleInputOptions sample;
  sample.size = 64;
  sample.frames = 9;
  const auto files = media::write_sample_inputs(folder, sample);
  const std::string pose = read_file(files.pose_video);
  std::filesystem::remove_all(folder);

  auto stub = animate::v1::AnimateService::NewStub(client::make_channel(options.connection));
  client::UploadSource image;
  image.kind = animate::v1::ASSET_KIND_REFERENCE_IMAGE;
  image.filename = "loadgen.png";
  image.content_type = "image/png";
  image.bytes = noise_png(64, 64, 1);
  client::UploadSource video;
  video.kind = animate::v1::ASSET_KIND_POSE_VIDEO;
  video.filename = "loadgen.mp4";
  video.content_type = "video/mp4";
  video.bytes = pose;

  animate::v1::JobParams params;
  params.set_reference_image_asset_id(
      client::upload_asset(*stub, options.connection, image).asset().asset_id());
  params.set_pose_video_asset_id(
      client::upload_asset(*stub, options.connection, video).asset().asset_id());
  params.set_width(64);
  params.set_height(64);
  params.set_frame_count(5);
  params.set_steps(2);
  return params;
}

PhaseResult run_create_phase(const LoadOptions& options, const animate::v1::JobParams& params,
                             std::vector<std::string>& job_ids) {
  std::mutex ids_mutex;
  Budget budget(options, options.requests);
  auto result =
      run_threads(options, budget, [&](Stub& stub, LatencySamples& samples, std::int64_t) {
        animate::v1::CreateJobRequest request;
        *request.mutable_params() = params;
        animate::v1::CreateJobResponse response;
        auto context = client::make_unary_context(options.connection);
        const auto start = Clock::now();
        const grpc::Status status = stub.CreateJob(context.get(), request, &response);
        record(samples, status, start);
        if (status.ok()) {
          const std::lock_guard<std::mutex> lock(ids_mutex);
          job_ids.push_back(response.job().job_id());
        }
        return std::uint64_t{0};
      });
  return result;
}

PhaseResult run_get_phase(const LoadOptions& options, const std::vector<std::string>& job_ids) {
  Budget budget(options, options.requests);
  return run_threads(options, budget, [&](Stub& stub, LatencySamples& samples, std::int64_t index) {
    animate::v1::GetJobRequest request;
    request.set_job_id(job_ids[static_cast<std::size_t>(index) % job_ids.size()]);
    animate::v1::GetJobResponse response;
    auto context = client::make_unary_context(options.connection);
    const auto start = Clock::now();
    record(samples, stub.GetJob(context.get(), request, &response), start);
    return std::uint64_t{0};
  });
}

PhaseResult run_upload_phase(const LoadOptions& options) {
  // Distinct content per upload (the server deduplicates identical bytes);
  // seeds from the clock so a second run is not deduplicated either.
  const auto seed_base =
      static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  std::vector<client::UploadSource> sources(options.upload_count);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    sources[i].kind = animate::v1::ASSET_KIND_REFERENCE_IMAGE;
    sources[i].filename = "loadgen-" + std::to_string(i) + ".png";
    sources[i].content_type = "image/png";
    sources[i].bytes = noise_png(options.upload_side, options.upload_side, seed_base + i);
  }
  Budget budget(options, options.upload_count);
  return run_threads(options, budget, [&](Stub& stub, LatencySamples& samples, std::int64_t index) {
    const auto& source = sources[static_cast<std::size_t>(index)];
    const auto start = Clock::now();
    try {
      client::upload_asset(stub, options.connection, source);
      samples.ok_ms.push_back(elapsed_ms(start));
      return static_cast<std::uint64_t>(source.bytes.size());
    } catch (const client::RpcError& error) {
      ++samples.errors[client::status_code_name(error.code())];
      return std::uint64_t{0};
    }
  });
}

std::uint64_t remove_jobs(const LoadOptions& options, const std::vector<std::string>& job_ids) {
  auto stub = animate::v1::AnimateService::NewStub(client::make_channel(options.connection));
  std::uint64_t removed = 0;
  for (const auto& job_id : job_ids) {
    animate::v1::CancelJobRequest cancel;
    cancel.set_job_id(job_id);
    animate::v1::CancelJobResponse cancelled;
    auto cancel_context = client::make_unary_context(options.connection);
    if (!stub->CancelJob(cancel_context.get(), cancel, &cancelled).ok()) continue;
    animate::v1::DeleteJobRequest remove;
    remove.set_job_id(job_id);
    animate::v1::DeleteJobResponse deleted;
    auto delete_context = client::make_unary_context(options.connection);
    // A job a worker is running stays until its next step; leave it.
    if (stub->DeleteJob(delete_context.get(), remove, &deleted).ok()) ++removed;
  }
  return removed;
}

}  // namespace animate::loadgen
