// Call errors as gRPC statuses that mean what they say, with the trailers the
// API promises: "animate-field" names the offending request field
// (INVALID_ARGUMENT, NOT_FOUND of a referenced asset), "retry-after-ms" says
// when retrying may help (RESOURCE_EXHAUSTED); and the same facts as
// google.rpc.Status details (ErrorInfo, BadRequest, RetryInfo).
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "animate/jobs/jobs_error.h"

namespace animate::server {

// A request field failed validation; becomes INVALID_ARGUMENT (or `code`).
class FieldError : public std::runtime_error {
 public:
  FieldError(std::string field, const std::string& message,
             grpc::StatusCode code = grpc::StatusCode::INVALID_ARGUMENT)
      : std::runtime_error(message), field_(std::move(field)), code_(code) {}
  const std::string& field() const noexcept { return field_; }
  grpc::StatusCode code() const noexcept { return code_; }

 private:
  std::string field_;
  grpc::StatusCode code_;
};

// Message "<field>: <message>" plus the animate-field trailer.
grpc::Status field_status(grpc::ServerContext& context, grpc::StatusCode code,
                          const std::string& field, const std::string& message);
grpc::Status to_status(grpc::ServerContext& context, const FieldError& error);
// Same code as the jobs error; field and retry hint become trailers.
grpc::Status to_status(grpc::ServerContext& context, const jobs::JobsError& error);
grpc::Status resource_exhausted(grpc::ServerContext& context, const std::string& message,
                                std::chrono::milliseconds retry_after);

// "OK", "INVALID_ARGUMENT", ... (the metric label and log value).
std::string code_name(grpc::StatusCode code);

}  // namespace animate::server
