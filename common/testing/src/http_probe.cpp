#include "animate/testing/http_probe.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>

namespace animate::testing {
namespace {

using Clock = std::chrono::steady_clock;

// receive_buffer > 0 shrinks the socket's receive buffer before connecting.
int connect_loopback(int port, int receive_buffer = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (receive_buffer > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

HttpReply http_request(int port, const std::string& path, const std::string& method,
                       std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  HttpReply reply;
  const int fd = connect_loopback(port);
  if (fd < 0) return reply;
  const std::string request =
      method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  std::string raw;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(request.size())) {
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(start + timeout - Clock::now());
      pollfd readable{fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&readable, 1, static_cast<int>(left.count())) <= 0) break;
      char buffer[8192];
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      raw.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  reply.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  const auto header_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || header_end == std::string::npos) return reply;
  reply.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  reply.headers = raw.substr(0, header_end);
  reply.body = raw.substr(header_end + 4);
  return reply;
}

StuckClients::StuckClients(int port, int half_requests, int unread_responses,
                           const std::string& path) {
  for (int i = 0; i < half_requests + unread_responses; ++i) {
    // A receive buffer of one page: a large unread response then stalls the
    // server's send instead of vanishing into kernel buffers.
    const int fd = connect_loopback(port, 4096);
    if (fd < 0) continue;
    const std::string request = i < half_requests ? std::string("GET /metr")
                                                  : "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    fds_.push_back(fd);
  }
}

StuckClients::~StuckClients() {
  for (const int fd : fds_) ::close(fd);
}

int scrapes_answered_while_clients_stall(int port, const std::string& must_contain, int scrapers) {
  const StuckClients stuck(port, 20, 5);
  std::vector<std::thread> threads;
  std::atomic<int> answered{0};
  for (int i = 0; i < scrapers; ++i) {
    threads.emplace_back([&] {
      const HttpReply reply = http_request(port, "/metrics", "GET", std::chrono::seconds(30));
      if (reply.status == 200 && reply.elapsed < std::chrono::seconds(10) &&
          reply.body.find(must_contain) != std::string::npos) {
        ++answered;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return answered;
}

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace animate::testing
