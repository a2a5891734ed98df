// How the client reaches the server: address, API key and transport security.
// Every command builds its channel and call contexts here so authentication
// and deadlines are applied the same way everywhere.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace animate::client {

struct ConnectionOptions {
  std::string server = "127.0.0.1:50051";  // --server / ANIMATE_SERVER
  std::string api_key;                     // --api-key / ANIMATE_API_KEY; empty = none
  bool tls = false;                        // --tls
  std::string ca_cert_file;                // --ca-cert (PEM); implies TLS
  // Deadline of unary calls; streams (watch, upload, download) have none.
  std::chrono::milliseconds call_timeout{30000};
};

// Defaults overridden by ANIMATE_SERVER / ANIMATE_API_KEY (flags then win).
ConnectionOptions connection_options_from_env();

// own_connection: a TCP connection of its own instead of sharing one with
// other channels to the same address (the load generator's N channels).
std::shared_ptr<grpc::Channel> make_channel(const ConnectionOptions& options,
                                            bool own_connection = false);

// A context carrying the API key; `timeout` empty = no deadline.
std::unique_ptr<grpc::ClientContext> make_context(
    const ConnectionOptions& options,
    std::optional<std::chrono::milliseconds> timeout = std::nullopt);

// Unary-call context: the API key plus options.call_timeout.
inline std::unique_ptr<grpc::ClientContext> make_unary_context(const ConnectionOptions& options) {
  return make_context(options, options.call_timeout);
}

}  // namespace animate::client
