#include "rpc_error.h"

#include <array>

namespace animate::client {
namespace {

std::string trailer(const grpc::ClientContext* context, const std::string& key) {
  if (context == nullptr) return {};
  const auto& trailers = context->GetServerTrailingMetadata();
  const auto found = trailers.find(key);
  if (found == trailers.end()) return {};
  return std::string(found->second.data(), found->second.size());
}

std::string describe(const std::string& what_call, const grpc::Status& status,
                     const std::string& field, const std::string& retry_after_ms) {
  std::string text = what_call + " failed: " + status_code_name(status.error_code()) + ": " +
                     status.error_message();
  if (!field.empty()) text += " (field: " + field + ")";
  if (!retry_after_ms.empty()) text += " (retry after " + retry_after_ms + " ms)";
  return text;
}

}  // namespace

std::string status_code_name(int code) {
  static constexpr std::array<const char*, 17> kNames = {"OK",
                                                         "CANCELLED",
                                                         "UNKNOWN",
                                                         "INVALID_ARGUMENT",
                                                         "DEADLINE_EXCEEDED",
                                                         "NOT_FOUND",
                                                         "ALREADY_EXISTS",
                                                         "PERMISSION_DENIED",
                                                         "RESOURCE_EXHAUSTED",
                                                         "FAILED_PRECONDITION",
                                                         "ABORTED",
                                                         "OUT_OF_RANGE",
                                                         "UNIMPLEMENTED",
                                                         "INTERNAL",
                                                         "UNAVAILABLE",
                                                         "DATA_LOSS",
                                                         "UNAUTHENTICATED"};
  if (code >= 0 && code < static_cast<int>(kNames.size())) return kNames[code];
  return "CODE_" + std::to_string(code);
}

std::string status_code_name(grpc::StatusCode code) {
  return status_code_name(static_cast<int>(code));
}

RpcError::RpcError(const std::string& what_call, const grpc::Status& status,
                   const grpc::ClientContext* context)
    : std::runtime_error(describe(what_call, status, trailer(context, "animate-field"),
                                  trailer(context, "retry-after-ms"))),
      code_(status.error_code()),
      field_(trailer(context, "animate-field")) {}

void check_rpc(const std::string& what_call, const grpc::Status& status,
               const grpc::ClientContext* context) {
  if (!status.ok()) throw RpcError(what_call, status, context);
}

}  // namespace animate::client
