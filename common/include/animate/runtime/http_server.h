// A small HTTP/1.1 server for the operational endpoints (/metrics, /healthz,
// /readyz): GET and HEAD on fixed paths, one response per connection.
//
// Why our own and not prometheus-cpp-pull's Exposer (re-checked on LibTorch
// 2.15.0 and prometheus-cpp 1.0.1, Debian 12, 2026-12):
//   - in a process that has LibTorch loaded the Exposer cannot start: civetweb
//     creates its threads with a fixed 100 KiB stack, smaller than the static
//     TLS of LibTorch and its CUDA libraries, so pthread_create returns EINVAL
//     and the constructor throws "null context when constructing
//     CivetServer" (a 20-line program that loads libtorch and starts an
//     Exposer shows it; without libtorch the same program serves);
//   - the Exposer serves only registries: /healthz and /readyz, whose status
//     code is the answer, cannot be added to it.
// So both binaries use this one instead.
//
// Concurrency: one thread runs a poll() loop over non-blocking sockets, so a
// client that sends half a request or never reads its response holds only
// its own connection, never the next scrape. Each connection has a deadline
// (request_timeout to send its request, response_timeout to take the
// response); at max_connections the oldest connection still sending its
// request is dropped to make room. Handlers run on the loop thread and must be
// quick (serialising a registry is).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>

namespace animate::runtime {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse()>;

struct HttpServerOptions {
  std::size_t max_connections = 64;
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds response_timeout{10000};
  std::size_t max_request_bytes = 8192;
};

class HttpServer {
 public:
  // listen: "host:port" or "[v6]:port"; port 0 picks a free one. routes: path
  // (without query) -> handler. Throws std::runtime_error naming the address
  // when it cannot listen.
  HttpServer(const std::string& listen, std::map<std::string, HttpHandler> routes,
             HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  // Connections closed before their response was sent (timeouts, evictions).
  std::uint64_t abandoned_connections() const { return abandoned_; }

 private:
  struct Connection;
  void serve();
  void respond(Connection& connection) const;

  std::map<std::string, HttpHandler> routes_;
  HttpServerOptions options_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<std::uint64_t> abandoned_{0};
  std::thread thread_;
};

}  // namespace animate::runtime
