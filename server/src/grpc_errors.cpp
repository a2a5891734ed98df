#include "grpc_errors.h"

#include "animate/jobs/status_code.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace animate::server {
namespace {

constexpr const char* kErrorDomain = "animate.v1";

// The status with google.rpc.Status details (grpc-status-details-bin), the
// model grpcurl, buf curl and the gRPC client libraries decode: ErrorInfo
// always, BadRequest when a field is named, RetryInfo when retrying may help.
// The plain trailers (animate-field, retry-after-ms) stay for simple clients.
grpc::Status rich_status(grpc::StatusCode code, const std::string& message,
                         const std::string& field, std::chrono::milliseconds retry_after) {
  google::rpc::Status status;
  status.set_code(static_cast<int>(code));
  status.set_message(message);
  google::rpc::ErrorInfo info;
  info.set_reason(code_name(code));
  info.set_domain(kErrorDomain);
  if (!field.empty()) (*info.mutable_metadata())["field"] = field;
  status.add_details()->PackFrom(info);
  if (!field.empty()) {
    google::rpc::BadRequest bad_request;
    auto* violation = bad_request.add_field_violations();
    violation->set_field(field);
    violation->set_description(message);
    status.add_details()->PackFrom(bad_request);
  }
  if (retry_after.count() > 0) {
    google::rpc::RetryInfo retry;
    retry.mutable_retry_delay()->set_seconds(retry_after.count() / 1000);
    retry.mutable_retry_delay()->set_nanos(static_cast<int>(retry_after.count() % 1000) * 1000000);
    status.add_details()->PackFrom(retry);
  }
  return grpc::Status(code, message, status.SerializeAsString());
}

}  // namespace

grpc::Status field_status(grpc::ServerContext& context, grpc::StatusCode code,
                          const std::string& field, const std::string& message) {
  if (field.empty()) return rich_status(code, message, field, {});
  context.AddTrailingMetadata("animate-field", field);
  return rich_status(code, field + ": " + message, field, {});
}

grpc::Status to_status(grpc::ServerContext& context, const FieldError& error) {
  return field_status(context, error.code(), error.field(), error.what());
}

grpc::Status to_status(grpc::ServerContext& context, const jobs::JobsError& error) {
  const auto code = static_cast<grpc::StatusCode>(error.code());
  if (error.retry_after().count() > 0) {
    context.AddTrailingMetadata("retry-after-ms", std::to_string(error.retry_after().count()));
  }
  if (!error.field().empty()) context.AddTrailingMetadata("animate-field", error.field());
  const std::string message =
      error.field().empty() ? std::string(error.what()) : error.field() + ": " + error.what();
  return rich_status(code, message, error.field(), error.retry_after());
}

grpc::Status resource_exhausted(grpc::ServerContext& context, const std::string& message,
                                std::chrono::milliseconds retry_after) {
  context.AddTrailingMetadata("retry-after-ms", std::to_string(retry_after.count()));
  return rich_status(grpc::StatusCode::RESOURCE_EXHAUSTED, message, "", retry_after);
}

std::string code_name(grpc::StatusCode code) {
  return std::string(jobs::to_string(static_cast<jobs::StatusCode>(code)));
}

}  // namespace animate::server
