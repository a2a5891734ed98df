#include "grpc_errors.h"

#include "animate/jobs/status_code.h"

namespace animate::server {

grpc::Status field_status(grpc::ServerContext& context, grpc::StatusCode code,
                          const std::string& field, const std::string& message) {
  if (field.empty()) return grpc::Status(code, message);
  context.AddTrailingMetadata("animate-field", field);
  return grpc::Status(code, field + ": " + message);
}

grpc::Status to_status(grpc::ServerContext& context, const FieldError& error) {
  return field_status(context, error.code(), error.field(), error.what());
}

grpc::Status to_status(grpc::ServerContext& context, const jobs::JobsError& error) {
  const auto code = static_cast<grpc::StatusCode>(error.code());
  if (error.retry_after().count() > 0) {
    context.AddTrailingMetadata("retry-after-ms", std::to_string(error.retry_after().count()));
  }
  return field_status(context, code, error.field(), error.what());
}

grpc::Status resource_exhausted(grpc::ServerContext& context, const std::string& message,
                                std::chrono::milliseconds retry_after) {
  context.AddTrailingMetadata("retry-after-ms", std::to_string(retry_after.count()));
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, message);
}

std::string code_name(grpc::StatusCode code) {
  return std::string(jobs::to_string(static_cast<jobs::StatusCode>(code)));
}

}  // namespace animate::server
