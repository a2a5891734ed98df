#pragma once
// Minimal clients of the worker's endpoints for tests: gRPC health Check
// (no generated health proto needed) and an HTTP/1.0 GET.
#include <string>

namespace animate::worker::testing {

// grpc.health.v1.Health/Check for service "" on 127.0.0.1:port: 1 SERVING,
// 2 NOT_SERVING, 0 UNKNOWN, -1 when the call failed.
int health_status(int port);

// The whole reply (status line, headers, body) of GET path on 127.0.0.1:port.
std::string http_get(int port, const std::string& path);

// A port the kernel reports free right now (for servers that need one up front).
int free_loopback_port();

}  // namespace animate::worker::testing
