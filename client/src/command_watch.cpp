// `animate watch JOB`: follow an existing job (optionally writing its MP4).
#include <iostream>

#include "commands.h"
#include "job_format.h"
#include "job_watcher.h"
#include "rpc_error.h"

namespace animate::client {

int run_watch(const Args& args, const ConnectionOptions& connection) {
  WatchOptions watch;
  watch.job_id = args.positional(1, "JOB");
  watch.from_sequence = args.get_uint("--from-seq").value_or(0);
  if (const auto output = args.get("-o") ? args.get("-o") : args.get("--output")) {
    watch.output = *output;
  }
  auto stub = animate::v1::AnimateService::NewStub(make_channel(connection));
  ProgressDisplay display(args.has("--quiet"));
  const auto outcome = watch_job(*stub, connection, watch, display);
  std::cout << job_state_label(outcome.job.state()) << " " << outcome.last_sequence << std::endl;
  if (outcome.job.state() != animate::v1::JOB_STATE_SUCCEEDED) {
    if (outcome.job.has_error() && outcome.job.error().code() != 0) {
      std::cerr << "job ended " << job_state_label(outcome.job.state()) << ": "
                << status_code_name(outcome.job.error().code()) << ": "
                << outcome.job.error().message() << "\n";
    }
    return kExitJobNotSucceeded;
  }
  return kExitOk;
}

}  // namespace animate::client
