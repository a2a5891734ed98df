// `animate health`: grpc.health.v1 Check for container HEALTHCHECKs and
// readiness scripts; exit 0 iff SERVING.
#include <iostream>

#include "commands.h"
#include "health_check.h"

namespace animate::client {

int run_health(const Args& args, const ConnectionOptions& connection) {
  ConnectionOptions target = connection;
  if (const auto addr = args.get("--addr")) target.server = *addr;
  // A health probe must answer quickly; the caller's --timeout still wins.
  const auto timeout = args.has("--timeout") ? connection.call_timeout : std::chrono::seconds(5);
  const auto status = check_health(target, args.get_or("--service", ""), timeout);
  std::cout << serving_status_name(status) << std::endl;
  return status == ServingStatus::kServing ? kExitOk : kExitJobNotSucceeded;
}

}  // namespace animate::client
