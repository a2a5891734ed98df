#include "animate/jobs/status_code.h"

#include <array>
#include <utility>

namespace animate::jobs {
namespace {

constexpr std::array<std::pair<StatusCode, std::string_view>, 17> kNames{{
    {StatusCode::kOk, "OK"},
    {StatusCode::kCancelled, "CANCELLED"},
    {StatusCode::kUnknown, "UNKNOWN"},
    {StatusCode::kInvalidArgument, "INVALID_ARGUMENT"},
    {StatusCode::kDeadlineExceeded, "DEADLINE_EXCEEDED"},
    {StatusCode::kNotFound, "NOT_FOUND"},
    {StatusCode::kAlreadyExists, "ALREADY_EXISTS"},
    {StatusCode::kPermissionDenied, "PERMISSION_DENIED"},
    {StatusCode::kResourceExhausted, "RESOURCE_EXHAUSTED"},
    {StatusCode::kFailedPrecondition, "FAILED_PRECONDITION"},
    {StatusCode::kAborted, "ABORTED"},
    {StatusCode::kOutOfRange, "OUT_OF_RANGE"},
    {StatusCode::kUnimplemented, "UNIMPLEMENTED"},
    {StatusCode::kInternal, "INTERNAL"},
    {StatusCode::kUnavailable, "UNAVAILABLE"},
    {StatusCode::kDataLoss, "DATA_LOSS"},
    {StatusCode::kUnauthenticated, "UNAUTHENTICATED"},
}};

}  // namespace

std::string_view to_string(StatusCode code) {
  for (const auto& [value, name] : kNames) {
    if (value == code) return name;
  }
  return "UNKNOWN";
}

std::optional<StatusCode> parse_status_code(std::string_view name) {
  for (const auto& [value, text] : kNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

}  // namespace animate::jobs
