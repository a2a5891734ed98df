// `animate submit`: upload the assets, create the job, follow it to the end.
#include <iostream>

#include "asset_upload.h"
#include "commands.h"
#include "job_format.h"
#include "job_request_flags.h"
#include "job_watcher.h"
#include "rpc_error.h"

namespace animate::client {
namespace {

std::string upload_file(animate::v1::AnimateService::Stub& stub,
                        const ConnectionOptions& connection, animate::v1::AssetKind kind,
                        const std::string& path, bool quiet) {
  const auto source = upload_source_from_file(kind, path);
  const auto response = upload_asset(stub, connection, source);
  if (!quiet) {
    std::cerr << "uploaded " << path << " (" << source.bytes.size() << " bytes"
              << (response.deduplicated() ? ", already on the server" : "") << ") -> "
              << response.asset().asset_id() << "\n";
  }
  return response.asset().asset_id();
}

}  // namespace

int run_submit(const Args& args, const ConnectionOptions& connection) {
  const bool quiet = args.has("--quiet");
  auto request = job_request_from_args(args);  // usage errors before any upload
  const std::string image = args.require("--image");
  const std::string pose = args.require("--pose");
  const auto output = args.get("-o") ? args.get("-o") : args.get("--output");
  const bool detach = args.has("--detach");
  if (!output && !detach) throw UsageError("submit needs -o FILE (or --detach)");

  auto stub = animate::v1::AnimateService::NewStub(make_channel(connection));
  auto* params = request.mutable_params();
  params->set_reference_image_asset_id(
      upload_file(*stub, connection, animate::v1::ASSET_KIND_REFERENCE_IMAGE, image, quiet));
  params->set_pose_video_asset_id(
      upload_file(*stub, connection, animate::v1::ASSET_KIND_POSE_VIDEO, pose, quiet));
  if (const auto ref_pose = args.get("--ref-pose")) {
    params->set_reference_pose_asset_id(upload_file(
        *stub, connection, animate::v1::ASSET_KIND_REFERENCE_POSE_IMAGE, *ref_pose, quiet));
  }

  animate::v1::CreateJobResponse created;
  auto context = make_unary_context(connection);
  check_rpc("CreateJob", stub->CreateJob(context.get(), request, &created), context.get());
  const auto& job = created.job();
  // stdout carries only the job id so scripts can capture it.
  std::cout << job.job_id() << std::endl;
  if (!quiet) {
    std::cerr << (created.existing() ? "existing job " : "created job ") << job.job_id() << " ("
              << job_state_label(job.state());
    if (job.state() == animate::v1::JOB_STATE_QUEUED) {
      std::cerr << ", queue position " << job.queue_position();
    }
    std::cerr << ")\n";
  }
  if (detach) return kExitOk;

  ProgressDisplay display(quiet);
  WatchOptions watch;
  watch.job_id = job.job_id();
  watch.output = *output;
  const auto outcome = watch_job(*stub, connection, watch, display);
  if (outcome.job.state() != animate::v1::JOB_STATE_SUCCEEDED) {
    std::cerr << "job " << job.job_id() << " ended " << job_state_label(outcome.job.state());
    if (outcome.job.has_error()) {
      std::cerr << ": " << status_code_name(outcome.job.error().code()) << ": "
                << outcome.job.error().message();
    }
    std::cerr << "\n";
    return kExitJobNotSucceeded;
  }
  if (!quiet) {
    std::cerr << "wrote " << *output << " (" << outcome.job.result().size_bytes()
              << " bytes, sha256 " << outcome.job.result().sha256() << ")\n";
  }
  return kExitOk;
}

}  // namespace animate::client
