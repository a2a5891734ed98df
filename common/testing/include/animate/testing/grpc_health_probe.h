// A client of the standard gRPC health service for tests that drive the real
// binaries (no generated health proto needed).
#pragma once

namespace animate::testing {

// grpc.health.v1.Health/Check for service "" on 127.0.0.1:port (plaintext):
// 1 SERVING, 2 NOT_SERVING, 0 UNKNOWN, -1 when the call failed.
int grpc_health_status(int port);

}  // namespace animate::testing
