// `animate download JOB -o FILE [--resume]`.
#include <iostream>

#include "commands.h"
#include "result_download.h"

namespace animate::client {

int run_download(const Args& args, const ConnectionOptions& connection) {
  const std::string job_id = args.positional(1, "JOB");
  const auto output = args.get("-o") ? args.get("-o") : args.get("--output");
  if (!output) throw UsageError("download needs -o FILE");
  auto stub = animate::v1::AnimateService::NewStub(make_channel(connection));
  const auto info = download_result(*stub, connection, job_id, *output, args.has("--resume"));
  std::cout << *output << " " << info.size_bytes() << " " << info.sha256() << std::endl;
  return kExitOk;
}

}  // namespace animate::client
