// grpc.health.v1.Health/Check without generated code: the two messages have
// one field each, so they are encoded by hand and sent through a generic stub
// (no second .proto to compile, and no clash with a server that registers
// the health descriptors itself).
#pragma once

#include <chrono>
#include <string>

#include "connection.h"

namespace animate::client {

enum class ServingStatus { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3 };

std::string serving_status_name(ServingStatus status);

// Throws RpcError when the call fails (e.g. UNAVAILABLE, NOT_FOUND for an
// unknown service name).
ServingStatus check_health(const ConnectionOptions& options, const std::string& service,
                           std::chrono::milliseconds timeout);

}  // namespace animate::client
