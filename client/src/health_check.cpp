#include "health_check.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <stdexcept>
#include <vector>

#include "rpc_error.h"

namespace animate::client {
namespace {

// HealthCheckRequest { string service = 1; }
grpc::ByteBuffer encode_request(const std::string& service) {
  std::string bytes;
  if (!service.empty()) {
    bytes.push_back(0x0a);  // field 1, length-delimited
    std::size_t length = service.size();
    while (length >= 0x80) {
      bytes.push_back(static_cast<char>((length & 0x7f) | 0x80));
      length >>= 7;
    }
    bytes.push_back(static_cast<char>(length));
    bytes += service;
  }
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// HealthCheckResponse { ServingStatus status = 1; } (unknown fields skipped).
ServingStatus decode_response(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) throw std::runtime_error("unreadable health response");
  std::string bytes;
  for (const auto& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  std::size_t at = 0;
  auto varint = [&]() {
    std::uint64_t value = 0;
    for (int shift = 0; at < bytes.size() && shift < 64; shift += 7) {
      const auto byte = static_cast<std::uint8_t>(bytes[at++]);
      value |= std::uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return value;
    }
    throw std::runtime_error("malformed health response");
  };
  std::uint64_t status = 0;  // proto3 default: UNKNOWN
  while (at < bytes.size()) {
    const std::uint64_t tag = varint();
    switch (tag & 7) {
      case 0: {
        const std::uint64_t value = varint();
        if (tag >> 3 == 1) status = value;
        break;
      }
      case 1: at += 8; break;
      case 2: at += varint(); break;
      case 5: at += 4; break;
      default: throw std::runtime_error("malformed health response");
    }
  }
  if (status > 3) return ServingStatus::kUnknown;
  return static_cast<ServingStatus>(status);
}

}  // namespace

std::string serving_status_name(ServingStatus status) {
  switch (status) {
    case ServingStatus::kServing: return "SERVING";
    case ServingStatus::kNotServing: return "NOT_SERVING";
    case ServingStatus::kServiceUnknown: return "SERVICE_UNKNOWN";
    case ServingStatus::kUnknown: break;
  }
  return "UNKNOWN";
}

ServingStatus check_health(const ConnectionOptions& options, const std::string& service,
                           std::chrono::milliseconds timeout) {
  grpc::GenericStub stub(make_channel(options));
  auto context = make_context(options, timeout);
  grpc::CompletionQueue queue;
  const grpc::ByteBuffer request = encode_request(service);
  auto call = stub.PrepareUnaryCall(context.get(), "/grpc.health.v1.Health/Check", request, &queue);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  int tag_value = 1;
  call->Finish(&response, &status, &tag_value);
  void* tag = nullptr;
  bool ok = false;
  if (!queue.Next(&tag, &ok)) throw std::runtime_error("health check: completion queue shut down");
  queue.Shutdown();
  // Drain so the queue can be destroyed.
  while (queue.Next(&tag, &ok)) {
  }
  check_rpc("Health.Check", status, context.get());
  return decode_response(response);
}

}  // namespace animate::client
