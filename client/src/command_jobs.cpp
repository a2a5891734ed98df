// The unary job commands: status, list, cancel, delete.
#include <iostream>

#include "animate/v1/animate_service.grpc.pb.h"
#include "commands.h"
#include "job_format.h"
#include "rpc_error.h"

namespace animate::client {
namespace {

void show(const Args& args, const animate::v1::Job& job) {
  if (args.has("--json")) {
    std::cout << to_json(job) << std::endl;
  } else {
    print_job(std::cout, job);
  }
}

}  // namespace

int run_status(const Args& args, const ConnectionOptions& connection) {
  auto stub = animate::v1::AnimateService::NewStub(make_channel(connection));
  animate::v1::GetJobRequest request;
  request.set_job_id(args.positional(1, "JOB"));
  animate::v1::GetJobResponse response;
  auto context = make_unary_context(connection);
  check_rpc("GetJob", stub->GetJob(context.get(), request, &response), context.get());
  show(args, response.job());
  return kExitOk;
}

int run_list(const Args& args, const ConnectionOptions& connection) {
  auto stub = animate::v1::AnimateService::NewStub(make_channel(connection));
  animate::v1::ListJobsRequest request;
  request.set_state(parse_job_state(args.get_or("--state", "")));
  if (const auto size = args.get_uint("--page-size")) {
    request.set_page_size(static_cast<std::uint32_t>(*size));
  }
  request.set_page_token(args.get_or("--page-token", ""));
  animate::v1::ListJobsResponse response;
  auto context = make_unary_context(connection);
  check_rpc("ListJobs", stub->ListJobs(context.get(), request, &response), context.get());
  if (args.has("--json")) {
    std::cout << to_json(response) << std::endl;
    return kExitOk;
  }
  for (const auto& job : response.jobs()) print_job_row(std::cout, job);
  if (!response.next_page_token().empty()) {
    std::cerr << "more: --page-token " << response.next_page_token() << "\n";
  }
  return kExitOk;
}

int run_cancel(const Args& args, const ConnectionOptions& connection) {
  auto stub = animate::v1::AnimateService::NewStub(make_channel(connection));
  animate::v1::CancelJobRequest request;
  request.set_job_id(args.positional(1, "JOB"));
  animate::v1::CancelJobResponse response;
  auto context = make_unary_context(connection);
  check_rpc("CancelJob", stub->CancelJob(context.get(), request, &response), context.get());
  if (args.has("--json")) {
    std::cout << to_json(response.job()) << std::endl;
  } else {
    std::cout << response.job().job_id() << " " << job_state_label(response.job().state())
              << (response.job().cancel_requested() ? " (cancel requested)" : "") << std::endl;
  }
  return kExitOk;
}

int run_delete(const Args& args, const ConnectionOptions& connection) {
  auto stub = animate::v1::AnimateService::NewStub(make_channel(connection));
  animate::v1::DeleteJobRequest request;
  request.set_job_id(args.positional(1, "JOB"));
  animate::v1::DeleteJobResponse response;
  auto context = make_unary_context(connection);
  check_rpc("DeleteJob", stub->DeleteJob(context.get(), request, &response), context.get());
  std::cout << "deleted " << request.job_id() << std::endl;
  return kExitOk;
}

}  // namespace animate::client
