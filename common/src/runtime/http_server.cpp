#include "animate/runtime/http_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <list>
#include <memory>
#include <stdexcept>
#include <vector>

namespace animate::runtime {
namespace {

using Clock = std::chrono::steady_clock;

// How long the loop sleeps at most when nothing happens (it also wakes on
// its pipe when the server stops).
constexpr std::chrono::milliseconds kIdleTick{1000};

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
          ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
      rc != 0) {
    throw std::runtime_error(::gai_strerror(rc));
  }
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);
  int last_error = 0;
  for (const addrinfo* a = addresses.get(); a != nullptr; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      last_error = errno;
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 64) == 0) {
      sockaddr_storage bound{};
      socklen_t length = sizeof bound;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
      port = bound.ss_family == AF_INET6
                 ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                 : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
      return fd;
    }
    last_error = errno;
    ::close(fd);
  }
  throw std::runtime_error(std::strerror(last_error));
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string serialise(const HttpResponse& response, bool with_body, const std::string& extra) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " +
                    reason_phrase(response.status) + "\r\nContent-Type: " + response.content_type +
                    "\r\nContent-Length: " + std::to_string(response.body.size()) +
                    "\r\nCache-Control: no-store\r\nConnection: close\r\n" + extra + "\r\n";
  if (with_body) out += response.body;
  return out;
}

}  // namespace

struct HttpServer::Connection {
  int fd = -1;
  Clock::time_point opened;
  Clock::time_point deadline;
  std::string request;
  std::string response;
  std::size_t sent = 0;
  bool responding = false;
};

HttpServer::HttpServer(const std::string& listen, std::map<std::string, HttpHandler> routes,
                       HttpServerOptions options)
    : routes_(std::move(routes)), options_(options) {
  try {
    listen_fd_ = listen_on(listen, port_);
  } catch (const std::exception& error) {
    throw std::runtime_error("cannot serve HTTP on " + listen + ": " + error.what());
  }
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("cannot serve HTTP on " + listen + ": pipe2 failed");
  }
  thread_ = std::thread([this] { serve(); });
}

HttpServer::~HttpServer() {
  const char byte = 0;
  [[maybe_unused]] const ssize_t ignored = ::write(wake_pipe_[1], &byte, 1);
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
}

void HttpServer::respond(Connection& connection) const {
  const std::string& request = connection.request;
  const std::string line = request.substr(0, request.find("\r\n"));
  const auto first_space = line.find(' ');
  const auto second_space = line.find(' ', first_space + 1);
  HttpResponse response;
  std::string extra;
  bool with_body = true;
  if (first_space == std::string::npos || second_space == std::string::npos) {
    response = {400, "text/plain; charset=utf-8", "malformed request line\n"};
  } else {
    const std::string method = line.substr(0, first_space);
    std::string path = line.substr(first_space + 1, second_space - first_space - 1);
    path = path.substr(0, path.find('?'));
    with_body = method != "HEAD";
    const auto route = routes_.find(path);
    if (method != "GET" && method != "HEAD") {
      response = {405, "text/plain; charset=utf-8", "GET or HEAD only\n"};
      extra = "Allow: GET, HEAD\r\n";
    } else if (route == routes_.end()) {
      std::string paths;
      for (const auto& [known, handler] : routes_) paths += known + "\n";
      response = {404, "text/plain; charset=utf-8", "not found; this server has:\n" + paths};
    } else {
      try {
        response = route->second();
      } catch (const std::exception& error) {
        response = {500, "text/plain; charset=utf-8", std::string(error.what()) + "\n"};
      }
    }
  }
  connection.response = serialise(response, with_body, extra);
  connection.responding = true;
  connection.sent = 0;
  connection.deadline = Clock::now() + options_.response_timeout;
}

void HttpServer::serve() {
  std::list<Connection> connections;
  const auto close_connection = [&](std::list<Connection>::iterator it, bool abandoned) {
    if (abandoned) ++abandoned_;
    ::close(it->fd);
    return connections.erase(it);
  };
  std::vector<pollfd> polled;
  while (true) {
    const auto now = Clock::now();
    auto wait = kIdleTick;
    polled.clear();
    polled.push_back({wake_pipe_[0], POLLIN, 0});
    polled.push_back({listen_fd_, POLLIN, 0});
    for (const Connection& connection : connections) {
      polled.push_back(
          {connection.fd, static_cast<short>(connection.responding ? POLLOUT : POLLIN), 0});
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::max(connection.deadline - now, Clock::duration::zero())));
    }
    if (::poll(polled.data(), polled.size(), static_cast<int>(wait.count()) + 1) < 0 &&
        errno != EINTR) {
      continue;
    }
    if (polled[0].revents != 0) break;

    // Serve existing connections first (the poll results index them in order).
    std::size_t index = 2;
    for (auto it = connections.begin(); it != connections.end(); ++index) {
      const short events = polled[index].revents;
      Connection& connection = *it;
      bool close = false;
      bool abandoned = false;
      if (events != 0 && !connection.responding) {
        char buffer[2048];
        const ssize_t n = ::recv(connection.fd, buffer, sizeof buffer, 0);
        if (n > 0) {
          connection.request.append(buffer, static_cast<std::size_t>(n));
          if (connection.request.find("\r\n\r\n") != std::string::npos) {
            respond(connection);
          } else if (connection.request.size() > options_.max_request_bytes) {
            connection.response =
                serialise({431, "text/plain; charset=utf-8", "request too large\n"}, true, "");
            connection.responding = true;
            connection.deadline = Clock::now() + options_.response_timeout;
          }
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
          close = abandoned = true;
        }
      }
      if (!close && connection.responding &&
          (events != 0 || connection.sent == 0)) {  // try at once after respond()
        const ssize_t n = ::send(connection.fd, connection.response.data() + connection.sent,
                                 connection.response.size() - connection.sent, MSG_NOSIGNAL);
        if (n > 0) {
          connection.sent += static_cast<std::size_t>(n);
          if (connection.sent == connection.response.size()) {
            ::shutdown(connection.fd, SHUT_WR);
            close = true;
          }
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
          close = abandoned = true;
        }
      }
      if (!close && Clock::now() >= connection.deadline) close = abandoned = true;
      it = close ? close_connection(it, abandoned) : std::next(it);
    }

    if (polled[1].revents != 0) {
      while (true) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) break;
        if (connections.size() >= options_.max_connections) {
          // Make room: the oldest connection still sending its request (a
          // slow or stuck client) goes first, else the oldest of all.
          auto victim = std::find_if(connections.begin(), connections.end(),
                                     [](const Connection& c) { return !c.responding; });
          if (victim == connections.end()) victim = connections.begin();
          close_connection(victim, true);
        }
        const auto opened = Clock::now();
        connections.push_back({fd, opened, opened + options_.request_timeout, {}, {}, 0, false});
      }
    }
  }
  for (const Connection& connection : connections) ::close(connection.fd);
}

}  // namespace animate::runtime
