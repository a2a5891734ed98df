// `animate upload`: one asset, printing its id (scripts, tests, and jobs
// built by hand with grpcurl/ghz).
#include <iostream>

#include "asset_upload.h"
#include "commands.h"
#include "job_format.h"

namespace animate::client {

int run_upload(const Args& args, const ConnectionOptions& connection) {
  const auto kind = parse_asset_kind(args.require("--kind"));
  auto source = upload_source_from_file(kind, args.positional(1, "FILE"));
  source.sha256_override = args.get_or("--sha256", "");
  auto stub = animate::v1::AnimateService::NewStub(make_channel(connection));
  const auto response = upload_asset(*stub, connection, source);
  if (args.has("--json")) {
    std::cout << to_json(response) << std::endl;
  } else {
    std::cout << response.asset().asset_id() << std::endl;
  }
  return kExitOk;
}

}  // namespace animate::client
