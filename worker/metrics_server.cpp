#include "worker/metrics_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "worker/nvml_collector.h"

namespace animate::worker {
namespace {

constexpr int kPollMillis = 200;  // how quickly the server notices it should stop
constexpr int kRequestTimeoutMillis = 5000;
constexpr std::size_t kMaxRequestBytes = 8192;

// "host:port" -> a bound, listening socket. "0.0.0.0" and "[::]" work.
int listen_on(const std::string& listen, int& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("expected host:port");
  std::string host = listen.substr(0, colon);
  const std::string service = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int rc =
          getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
      rc != 0) {
    throw std::runtime_error(gai_strerror(rc));
  }
  const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, freeaddrinfo);
  for (const addrinfo* a = addresses.get(); a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 16) == 0) {
      sockaddr_storage bound{};
      socklen_t length = sizeof bound;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
      port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                         : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
      return fd;
    }
    ::close(fd);
  }
  throw std::runtime_error(std::strerror(errno));
}

void send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the scraper went away
    sent += static_cast<std::size_t>(n);
  }
}

std::string response(const char* status, const char* type, const std::string& body) {
  return std::string("HTTP/1.0 ") + status + "\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         body;
}

}  // namespace

MetricsServer::MetricsServer(const std::string& listen, const WorkerMetrics& metrics)
    : registry_(metrics.registry()), nvml_(NvmlCollector::open()) {
  try {
    listen_fd_ = listen_on(listen, port_);
  } catch (const std::exception& error) {
    throw std::runtime_error("--metrics-listen " + listen + ": cannot listen: " + error.what());
  }
  thread_ = std::thread([this] { serve(); });
}

MetricsServer::~MetricsServer() {
  stopping_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::string MetricsServer::render() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  if (nvml_) {
    for (auto& family : nvml_->Collect()) families.push_back(std::move(family));
  }
  return prometheus::TextSerializer().Serialize(families);
}

void MetricsServer::serve() {
  while (!stopping_) {
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (::poll(&waiting, 1, kPollMillis) <= 0) continue;
    const int connection = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) continue;
    answer(connection);
    ::close(connection);
  }
}

void MetricsServer::answer(int connection) const {
  std::string request;
  char buffer[1024];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < kMaxRequestBytes) {
    pollfd readable{connection, POLLIN, 0};
    if (::poll(&readable, 1, kRequestTimeoutMillis) <= 0) return;
    const ssize_t n = ::recv(connection, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    request.append(buffer, static_cast<std::size_t>(n));
  }
  const auto line_end = request.find("\r\n");
  const std::string line = request.substr(0, line_end);
  // "GET /metrics HTTP/1.1" (a query string is allowed and ignored).
  const bool is_get = line.rfind("GET ", 0) == 0;
  const std::string target = is_get ? line.substr(4, line.find(' ', 4) - 4) : std::string();
  const std::string path = target.substr(0, target.find('?'));
  if (!is_get) {
    send_all(connection, response("405 Method Not Allowed", "text/plain", "GET only\n"));
  } else if (path != "/metrics") {
    send_all(connection, response("404 Not Found", "text/plain", "see /metrics\n"));
  } else {
    send_all(connection, response("200 OK", "text/plain; version=0.0.4; charset=utf-8", render()));
  }
}

}  // namespace animate::worker
