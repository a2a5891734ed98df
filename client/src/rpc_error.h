// A failed gRPC call as the user sees it: canonical code name, message and,
// when the server names one, the offending field (the "animate-field"
// trailer) and the retry hint ("retry-after-ms").
#pragma once

#include <grpcpp/grpcpp.h>

#include <stdexcept>
#include <string>

namespace animate::client {

class RpcError : public std::runtime_error {
 public:
  RpcError(const std::string& what_call, const grpc::Status& status,
           const grpc::ClientContext* context);

  grpc::StatusCode code() const { return code_; }
  const std::string& field() const { return field_; }

 private:
  grpc::StatusCode code_;
  std::string field_;
};

// "INVALID_ARGUMENT", "OK", ...
std::string status_code_name(grpc::StatusCode code);
std::string status_code_name(int code);

// Throws RpcError unless status is OK.
void check_rpc(const std::string& what_call, const grpc::Status& status,
               const grpc::ClientContext* context);

}  // namespace animate::client
