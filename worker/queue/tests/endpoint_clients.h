#pragma once
// A minimal client of the worker's gRPC health endpoint for tests (no
// generated health proto needed); HTTP probes are common/testing's.
#include <string>

namespace animate::worker::testing {

// grpc.health.v1.Health/Check for service "" on 127.0.0.1:port: 1 SERVING,
// 2 NOT_SERVING, 0 UNKNOWN, -1 when the call failed.
int health_status(int port);

}  // namespace animate::worker::testing
