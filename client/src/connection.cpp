#include "connection.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace animate::client {
namespace {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read CA certificate " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

ConnectionOptions connection_options_from_env() {
  ConnectionOptions options;
  if (const char* server = std::getenv("ANIMATE_SERVER"); server && *server) {
    options.server = server;
  }
  if (const char* key = std::getenv("ANIMATE_API_KEY"); key && *key) options.api_key = key;
  return options;
}

std::shared_ptr<grpc::Channel> make_channel(const ConnectionOptions& options, bool own_connection) {
  grpc::ChannelArguments arguments;
  if (own_connection) arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // gRPC's default reconnect backoff grows to minutes; a CLI waiting for a
  // restarted server should notice it within a couple of seconds.
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 200);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // Results and replays arrive in chunks of up to a few MiB; leave headroom.
  arguments.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls || !options.ca_cert_file.empty()) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_cert_file.empty()) ssl.pem_root_certs = read_text_file(options.ca_cert_file);
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  return grpc::CreateCustomChannel(options.server, credentials, arguments);
}

std::unique_ptr<grpc::ClientContext> make_context(
    const ConnectionOptions& options, std::optional<std::chrono::milliseconds> timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!options.api_key.empty()) context->AddMetadata("authorization", "Bearer " + options.api_key);
  if (timeout) context->set_deadline(std::chrono::system_clock::now() + *timeout);
  return context;
}

}  // namespace animate::client
