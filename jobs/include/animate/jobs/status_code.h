// Status codes shared by JobsError and job errors. The values are those of
// google.rpc.Code (and so grpc::StatusCode), so the server converts with a
// static_cast while this library stays free of gRPC.
#pragma once

#include <optional>
#include <string_view>

namespace animate::jobs {

enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// "NOT_FOUND", "RESOURCE_EXHAUSTED", ... (the google.rpc.Code names).
std::string_view to_string(StatusCode code);
std::optional<StatusCode> parse_status_code(std::string_view name);

}  // namespace animate::jobs
